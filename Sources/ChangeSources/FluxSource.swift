import Crypto
import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// Flux notification-controller events through a `generic-hmac` provider, signed
/// `X-Signature: sha256=<hex HMAC-SHA256 of the body>`.
///
/// A Kustomization's change is its change-set event: reason `Progressing`, one line per object the apply created,
/// configured or deleted, sent only when something changed. `ReconciliationSucceeded` follows every reconciliation,
/// including the interval runs that changed nothing, so it is skipped. A HelmRelease's install, upgrade or rollback
/// is recorded by its outcome reason; a failed install or upgrade too, with its state, since it may have changed part
/// of the cluster. Everything else answers 202 and stores nothing.
public struct FluxSource: ChangeSource {
    public let name = "flux"
    private let signature: HexSignature<SHA256>

    public init(secrets: [Secret]) {
        signature = HexSignature(header: "X-Signature", prefix: "sha256=", secrets: secrets)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        try signature.verify(headers, body: body)
    }

    /// HelmRelease reasons that mean the release changed, with the kind of change and the state each records.
    private static let releaseOutcomes: [String: (kind: ChangeKind, state: String)] = [
        "InstallSucceeded": (.deploy, "applied"),
        "UpgradeSucceeded": (.deploy, "applied"),
        "RollbackSucceeded": (.rollback, "applied"),
        "InstallFailed": (.deploy, "failed"),
        "UpgradeFailed": (.deploy, "failed"),
    ]

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        let event = try decode(FluxEvent.self, from: body, source: "Flux")
        let lines = event.message.split(separator: "\n").map(String.init)
        let outcome: (kind: ChangeKind, state: String)
        if let release = Self.releaseOutcomes[event.reason] {
            outcome = release
        } else if event.reason == "Progressing",
            lines.contains(where: { $0.hasSuffix(" created") || $0.hasSuffix(" configured") || $0.hasSuffix(" deleted") })
        {
            outcome = (.deploy, "applied")
        } else {
            return .ignored("Flux \(event.reason) event without a change set is not a change")
        }
        guard let occurredAt = Date(rfc3339: event.timestamp) else {
            throw .malformed("Flux payload: timestamp is not an RFC 3339 time")
        }
        let object = event.involvedObject
        // notification-controller strips the API group from `kustomize.toolkit.fluxcd.io/revision`; both are read.
        let revision = event.metadata?.first { $0.key == "revision" || $0.key.hasSuffix("/revision") }?.value
        let changed = lines.filter { !$0.hasSuffix(" unchanged") }
        var summary = "Flux \(outcome.state == "failed" ? "failed to apply" : "applied") \(object.kind) \(object.namespace ?? "-")/\(object.name)"
        if let revision { summary += " at \(revision)" }
        if let first = changed.first { summary += ": \(first)" + (changed.count > 1 ? " and \(changed.count - 1) more" : "") }
        var metadata = ["state": outcome.state, "reason": event.reason, "object": "\(object.kind)/\(object.namespace ?? "")/\(object.name)"]
        metadata["revision"] = revision
        metadata["controller"] = event.reportingController
        metadata["changes"] = changed.joined(separator: "\n")
        // Flux events carry no id, and the forwarder retries: a resend has the same object, reason, revision, time and
        // message.
        let identity = [object.uid ?? object.name, event.reason, revision ?? "", event.timestamp, event.message]
            .joined(separator: "\u{1F}")
        let eventID = SHA256.hash(data: Data(identity.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        return .change(
            SourceChange(
                subject: object.name, alternatives: [object.namespace].compactMap { $0 },
                environment: event.metadata?["env"] ?? event.metadata?["environment"], kind: outcome.kind,
                summary: summary, version: revision, author: event.reportingController, occurredAt: occurredAt,
                eventID: eventID, metadata: metadata))
    }
}

/// A Flux event (`fluxcd/pkg/runtime/events.Event`).
struct FluxEvent: Decodable {
    struct Object: Decodable {
        var kind: String
        var name: String
        var namespace: String?
        var uid: String?
    }

    var involvedObject: Object
    var severity: String?
    var timestamp: String
    var message: String
    var reason: String
    var metadata: [String: String]?
    var reportingController: String?
}
