import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// Argo CD notifications from the `inquest-deployed` template in `examples/argocd/argocd-notifications-cm.yaml`.
///
/// Argo CD's webhook service has no signature scheme; it sends the headers its service config names, here
/// `Authorization: Bearer <token>`, compared in constant time. The trigger fires once per revision when a sync has
/// succeeded and the application is healthy: a deploy of that revision.
public struct ArgoCDSource: ChangeSource {
    public let name = "argocd"
    private let tokens: [BearerToken]

    public init(secrets: [Secret]) {
        tokens = secrets.map(BearerToken.init)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        guard headers[.authorization] != nil else { throw .missingSignature("Authorization") }
        guard tokens.contains(where: { $0.accepts(headers) }) else { throw .invalidSignature("Authorization bearer token") }
    }

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        let event = try decode(ArgoCDNotification.self, from: body, source: "Argo CD")
        guard event.operationPhase == nil || event.operationPhase == "Succeeded" else {
            return .ignored("Argo CD sync \(event.operationPhase ?? "") is not a completed deploy")
        }
        guard let finishedAt = event.finishedAt, let occurredAt = Date(rfc3339: finishedAt) else {
            throw .malformed("Argo CD payload: finished_at is not an RFC 3339 time")
        }
        // Multi-source applications render an empty revision.
        let revision = event.revision.flatMap { $0.isEmpty ? nil : $0.count == 40 ? String($0.prefix(7)) : $0 }
        var summary = "Argo CD synced \(event.app)"
        if let revision { summary += " to \(revision)" }
        if let namespace = event.destinationNamespace { summary += " in \(namespace)" }
        if event.automated == true { summary += " (automated sync)" }
        var metadata = ["app": event.app]
        metadata["revision"] = event.revision
        metadata["health"] = event.healthStatus
        metadata["repo_url"] = event.repoURL
        metadata["namespace"] = event.destinationNamespace
        return .change(
            SourceChange(
                subject: event.app, alternatives: [event.destinationNamespace].compactMap { $0 }, environment: nil,
                kind: .deploy, summary: summary, version: revision, author: event.initiatedBy, url: event.argocdURL,
                occurredAt: occurredAt, eventID: event.deliveryID ?? "\(event.app)@\(event.revision ?? finishedAt)",
                metadata: metadata))
    }
}

/// The body the shipped notification template renders.
struct ArgoCDNotification: Decodable {
    var app: String
    var revision: String?
    var healthStatus: String?
    var operationPhase: String?
    var finishedAt: String?
    var destinationNamespace: String?
    var repoURL: String?
    var initiatedBy: String?
    var automated: Bool?
    var argocdURL: String?
    var deliveryID: String?

    enum CodingKeys: String, CodingKey {
        case app, revision, automated
        case healthStatus = "health_status"
        case operationPhase = "operation_phase"
        case finishedAt = "finished_at"
        case destinationNamespace = "destination_namespace"
        case repoURL = "repo_url"
        case initiatedBy = "initiated_by"
        case argocdURL = "argocd_url"
        case deliveryID = "delivery_id"
    }
}
