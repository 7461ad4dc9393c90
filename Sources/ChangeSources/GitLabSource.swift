import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// GitLab deployment events (`object_kind: deployment`, `X-Gitlab-Event: Deployment Hook`).
///
/// GitLab sends the webhook's secret token as it is in `X-Gitlab-Token`, compared here in constant time. A secret
/// written `whsec_<base64>` is a Standard Webhooks signing secret instead, for a GitLab that signs deliveries
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature`), checked by the same verifier as incident.io's.
///
/// A `success` is a deploy and a `failed` one is recorded with its state, as for GitHub; `running` and `canceled`
/// are skipped.
public struct GitLabSource: ChangeSource {
    public let name = "gitlab"
    private let tokens: [BearerToken]
    private let signatures: SignatureVerifier?

    public init(secrets: [Secret], now: @escaping @Sendable () -> Date = Date.init) throws(SignatureVerifier.MalformedSecret) {
        tokens = secrets.filter { !$0.reveal().hasPrefix("whsec_") }.map(BearerToken.init)
        let signing = secrets.filter { $0.reveal().hasPrefix("whsec_") }
        signatures = signing.isEmpty ? nil : try SignatureVerifier(secrets: signing, now: now)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        if let signatures, let signature = headers[Self.webhookSignature] {
            do throws(SignatureVerifier.Failure) {
                try signatures.verify(
                    id: headers[Self.webhookID], timestamp: headers[Self.webhookTimestamp], signatures: signature, body: body)
                return
            } catch {
                throw ChangeSourceRejection(status: .unauthorized, code: error.code, description: error.description)
            }
        }
        guard let token = headers[Self.token], !token.isEmpty else { throw .missingSignature("X-Gitlab-Token") }
        guard tokens.contains(where: { $0.matches(Data(token.utf8)) }) else { throw .invalidSignature("X-Gitlab-Token") }
    }

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        let kind = try decode(ObjectKind.self, from: body, source: "GitLab").objectKind
        guard kind == "deployment" else {
            return .ignored("GitLab \(kind) events are not recorded; enable Deployment events only")
        }
        let event = try decode(DeploymentEvent.self, from: body, source: "GitLab deployment")
        guard ["success", "failed"].contains(event.status) else {
            return .ignored("deployment \(event.status) is not a finished deployment")
        }
        guard let occurredAt = Self.date(event.statusChangedAt) else {
            throw .malformed("GitLab deployment payload: status_changed_at is not a time (\"2026-11-20 14:13:47 UTC\")")
        }
        let project = event.project
        let target = [event.shortSHA, event.environment.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        var summary =
            event.status == "success" ? "Deployed \(project.name) \(target)" : "Deployment of \(project.name) \(target) failed"
        if let title = event.commitTitle, !title.isEmpty { summary += ": \(title)" }
        var metadata = ["state": event.status, "project": project.pathWithNamespace]
        metadata["tier"] = event.environmentTier
        metadata["ref"] = event.ref
        return .change(
            SourceChange(
                subject: project.pathWithNamespace, alternatives: [project.name], environment: event.environment,
                kind: .deploy, summary: summary, version: event.shortSHA, author: event.user?.username,
                url: event.deployableURL ?? event.commitURL, occurredAt: occurredAt,
                eventID: "deployment:\(event.deploymentID):\(event.status)", metadata: metadata))
    }

    /// GitLab writes `2026-11-20 14:13:47 UTC` or `2021-04-28 21:50:00 +0200`, not RFC 3339.
    static func date(_ text: String) -> Date? {
        if let date = Date(rfc3339: text) { return date }
        let zoned = text.hasSuffix(" UTC") ? String(text.dropLast(4)) + " +0000" : text
        return try? Date(zoned, strategy: Self.format)
    }

    private static let format = Date.ParseStrategy(
        format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) \(timeZone: .iso8601(.short))",
        timeZone: .gmt)

    private static let token = HTTPField.Name("X-Gitlab-Token")!
    private static let webhookID = HTTPField.Name("webhook-id")!
    private static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    private static let webhookSignature = HTTPField.Name("webhook-signature")!
}

struct ObjectKind: Decodable {
    var objectKind: String

    enum CodingKeys: String, CodingKey {
        case objectKind = "object_kind"
    }
}

/// The parts of GitLab's deployment event Inquest reads.
struct DeploymentEvent: Decodable {
    struct Project: Decodable {
        var name: String
        var pathWithNamespace: String

        enum CodingKeys: String, CodingKey {
            case name
            case pathWithNamespace = "path_with_namespace"
        }
    }

    struct User: Decodable {
        var username: String?
    }

    var status: String
    var statusChangedAt: String
    var deploymentID: Int64
    var deployableURL: String?
    var environment: String?
    var environmentTier: String?
    var project: Project
    var shortSHA: String?
    var user: User?
    var commitURL: String?
    var commitTitle: String?
    var ref: String?

    enum CodingKeys: String, CodingKey {
        case status, environment, project, user, ref
        case statusChangedAt = "status_changed_at"
        case deploymentID = "deployment_id"
        case deployableURL = "deployable_url"
        case environmentTier = "environment_tier"
        case shortSHA = "short_sha"
        case commitURL = "commit_url"
        case commitTitle = "commit_title"
    }
}
