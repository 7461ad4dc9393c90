import Crypto
import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// HCP Terraform (Terraform Cloud) run notifications, signed `X-TFE-Notification-Signature: <hex HMAC-SHA512>`.
///
/// An applied run is an `infra` change to its workspace. The verification delivery sent when the notification is
/// created, and every other trigger (planning, needs attention, errored), answer 202 and store nothing: an
/// errored run does not say whether its apply had started, and guessing would put a change in the log that may
/// never have happened.
public struct TerraformCloudSource: ChangeSource {
    public let name = "terraform-cloud"
    private let signature: HexSignature<SHA512>

    public init(secrets: [Secret]) {
        signature = HexSignature(header: "X-TFE-Notification-Signature", secrets: secrets)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        try signature.verify(headers, body: body)
    }

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        let payload = try decode(RunNotification.self, from: body, source: "Terraform Cloud")
        guard let notification = payload.notifications.first else {
            throw .malformed("Terraform Cloud payload has no notifications")
        }
        if notification.trigger == "verification" { return .ignored("verification: the notification reaches Inquest") }
        guard notification.runStatus == "applied" else {
            return .ignored("run \(notification.runStatus ?? notification.trigger) is not an applied run")
        }
        guard let runID = payload.runID, let workspace = payload.workspaceName else {
            throw .malformed("Terraform Cloud payload has no run_id or workspace_name")
        }
        guard let occurredAt = (notification.runUpdatedAt ?? payload.runCreatedAt).flatMap(Date.init(rfc3339:)) else {
            throw .malformed("Terraform Cloud payload: run_updated_at is not an RFC 3339 time")
        }
        var summary = "Terraform applied \(runID) in \(workspace)"
        if let message = payload.runMessage, !message.isEmpty { summary += ": \(message)" }
        var metadata = ["workspace": workspace, "run_id": runID]
        metadata["organization"] = payload.organizationName
        metadata["workspace_id"] = payload.workspaceID
        return .change(
            SourceChange(
                subject: workspace, environment: nil, kind: .infra, summary: summary, version: runID,
                author: notification.runUpdatedBy ?? payload.runCreatedBy, url: payload.runURL, occurredAt: occurredAt,
                eventID: "\(runID):applied", metadata: metadata))
    }
}

/// A notification payload, `payload_version` 1.
struct RunNotification: Decodable {
    struct Notification: Decodable {
        var trigger: String
        var runStatus: String?
        var runUpdatedAt: String?
        var runUpdatedBy: String?

        enum CodingKeys: String, CodingKey {
            case trigger
            case runStatus = "run_status"
            case runUpdatedAt = "run_updated_at"
            case runUpdatedBy = "run_updated_by"
        }
    }

    var runURL: String?
    var runID: String?
    var runMessage: String?
    var runCreatedAt: String?
    var runCreatedBy: String?
    var workspaceID: String?
    var workspaceName: String?
    var organizationName: String?
    var notifications: [Notification]

    enum CodingKeys: String, CodingKey {
        case notifications
        case runURL = "run_url"
        case runID = "run_id"
        case runMessage = "run_message"
        case runCreatedAt = "run_created_at"
        case runCreatedBy = "run_created_by"
        case workspaceID = "workspace_id"
        case workspaceName = "workspace_name"
        case organizationName = "organization_name"
    }
}
