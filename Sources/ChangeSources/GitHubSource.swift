import Crypto
import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// GitHub `deployment_status` webhooks (and `ping`), signed `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`.
///
/// A `success` status is a deploy. A `failure` or `error` is recorded too, with its state: a deployment that
/// failed half-way has still changed some of production. `pending`, `queued`, `in_progress` and `inactive` say
/// nothing reached production yet (or that a newer deployment replaced this one) and are skipped.
public struct GitHubSource: ChangeSource {
    public let name = "github"
    private let signature: HexSignature<SHA256>

    public init(secrets: [Secret]) {
        signature = HexSignature(header: "X-Hub-Signature-256", prefix: "sha256=", secrets: secrets)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        try signature.verify(headers, body: body)
    }

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        switch headers[Self.event] {
        case "ping": return .ignored("ping: the webhook reaches Inquest")
        case "deployment_status": break
        case let other:
            return .ignored("GitHub event \(other ?? "(none)") is not recorded; subscribe to deployment_status only")
        }
        let event: DeploymentStatusEvent = try decode(DeploymentStatusEvent.self, from: body, source: "GitHub deployment_status")
        let status = event.deploymentStatus
        let state = status.state.lowercased()
        guard ["success", "failure", "error"].contains(state) else {
            return .ignored("deployment_status \(state) is not a finished deployment")
        }
        guard let occurredAt = Date(rfc3339: status.createdAt) else {
            throw .malformed("deployment_status.created_at is not an RFC 3339 time")
        }
        let repository = event.repository
        let environment = status.environment ?? event.deployment.environment
        let sha = event.deployment.sha.map { String($0.prefix(7)) }
        let version = event.deployment.ref.flatMap { $0 == event.deployment.sha ? nil : $0 } ?? sha
        let target = [version, environment.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        var summary =
            state == "success"
            ? "Deployed \(repository.name) \(target)"
            : "Deployment of \(repository.name) \(target) ended in \(state)"
        if let description = status.description ?? event.deployment.description, !description.isEmpty {
            summary += ": \(description)"
        }
        var metadata = ["state": state, "repository": repository.fullName]
        metadata["sha"] = event.deployment.sha
        metadata["ref"] = event.deployment.ref
        metadata["task"] = event.deployment.task
        metadata["delivery"] = headers[Self.delivery]
        return .change(
            SourceChange(
                subject: repository.fullName, alternatives: [repository.name], environment: environment, kind: .deploy,
                summary: summary, version: version,
                author: status.creator?.login ?? event.deployment.creator?.login ?? event.sender?.login,
                url: status.targetURL ?? status.logURL ?? repository.htmlURL, occurredAt: occurredAt,
                eventID: "deployment_status:\(status.id)", metadata: metadata))
    }

    private static let event = HTTPField.Name("X-GitHub-Event")!
    private static let delivery = HTTPField.Name("X-GitHub-Delivery")!
}

/// The parts of GitHub's `deployment_status` payload Inquest reads.
struct DeploymentStatusEvent: Decodable {
    struct User: Decodable {
        var login: String
    }

    struct Deployment: Decodable {
        var id: Int64
        var sha: String?
        var ref: String?
        var task: String?
        var environment: String?
        var description: String?
        var creator: User?
    }

    struct Status: Decodable {
        var id: Int64
        var state: String
        var description: String?
        var environment: String?
        var targetURL: String?
        var logURL: String?
        var creator: User?
        var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, state, description, environment, creator
            case targetURL = "target_url"
            case logURL = "log_url"
            case createdAt = "created_at"
        }
    }

    struct Repository: Decodable {
        var name: String
        var fullName: String
        var htmlURL: String?

        enum CodingKeys: String, CodingKey {
            case name
            case fullName = "full_name"
            case htmlURL = "html_url"
        }
    }

    var deployment: Deployment
    var deploymentStatus: Status
    var repository: Repository
    var sender: User?

    enum CodingKeys: String, CodingKey {
        case deployment, repository, sender
        case deploymentStatus = "deployment_status"
    }
}
