import Crypto
import Foundation

/// Turns a `POST /api/changes` body — one change, `{"changes": […]}`, or a PagerDuty Change Event — into
/// validated changes, listing every bad field rather than the first.
public struct ChangeInput: Sendable {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// One entry per bad field: `changes[2].kind: "deploy2" is not one of deploy, config, …`.
        public var problems: [String]
        /// 400 for a body that is not the right shape at all, 422 for bad fields.
        public var malformed: Bool
        public var description: String { problems.joined(separator: "; ") }
    }

    public static let maximumBatch = 1000

    /// The custom-details key PagerDuty change events name their service with, when `payload.source` does not.
    public var pagerDutyServiceKey: String

    public init(pagerDutyServiceKey: String = "service") {
        self.pagerDutyServiceKey = pagerDutyServiceKey
    }

    /// - Parameter receivedAt: the time for a PagerDuty change event that carries no timestamp.
    public func changes(fromJSON body: Data, receivedAt: Date) throws(Invalid) -> [Change] {
        guard let object = try? JSONSerialization.jsonObject(with: body) else {
            throw Invalid(problems: ["body is not valid JSON"], malformed: true)
        }
        if let batch = object as? [String: Any], let list = batch["changes"] {
            guard let items = list as? [Any] else { throw Invalid(problems: ["changes: expected an array"], malformed: true) }
            guard items.count <= Self.maximumBatch else {
                throw Invalid(
                    problems: ["changes: \(items.count) changes; at most \(Self.maximumBatch) per request"], malformed: false)
            }
            var problems: [String] = []
            var changes: [Change] = []
            for (index, item) in items.enumerated() {
                switch change(from: item, path: "changes[\(index)]") {
                case .success(let change): changes.append(change)
                case .failure(let invalid): problems += invalid.problems
                }
            }
            guard problems.isEmpty else { throw Invalid(problems: problems, malformed: false) }
            return changes
        }
        if let event = object as? [String: Any], event["routing_key"] != nil || event["payload"] != nil {
            return [try pagerDutyChange(event, receivedAt: receivedAt)]
        }
        return [try change(from: object, path: "change").get()]
    }

    /// One change per line (`inquest changes import FILE.jsonl`).
    public func changes(fromJSONLines text: String) throws(Invalid) -> [Change] {
        var problems: [String] = []
        var changes: [Change] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
                problems.append("line \(number + 1): not valid JSON")
                continue
            }
            switch change(from: object, path: "line \(number + 1)") {
            case .success(let change): changes.append(change)
            case .failure(let invalid): problems += invalid.problems
            }
        }
        guard problems.isEmpty else { throw Invalid(problems: problems, malformed: false) }
        return changes
    }

    private func change(from item: Any, path: String) -> Result<Change, Invalid> {
        guard let fields = item as? [String: Any] else {
            return .failure(Invalid(problems: ["\(path): expected an object"], malformed: true))
        }
        var problems: [String] = []
        func string(_ key: String, required: Bool) -> String? {
            switch fields[key] {
            case nil, is NSNull:
                if required { problems.append("\(path).\(key): missing") }
                return nil
            case let value as String where !value.trimmingCharacters(in: .whitespaces).isEmpty:
                return value
            case is String:
                if required { problems.append("\(path).\(key): empty") }
                return nil
            default:
                problems.append("\(path).\(key): expected a string")
                return nil
            }
        }
        let service = string("service", required: true)
        let summary = string("summary", required: true)
        let kindName = string("kind", required: true)
        let kind = kindName.flatMap { ChangeKind(rawValue: $0.lowercased()) }
        if let kindName, kind == nil {
            problems.append(
                "\(path).kind: \"\(kindName)\" is not one of \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let occurredText = string("occurred_at", required: true)
        let occurredAt = occurredText.flatMap(Date.init(rfc3339:))
        if occurredText != nil, occurredAt == nil {
            problems.append("\(path).occurred_at: not an RFC 3339 timestamp (e.g. 2026-11-20T14:30:00Z)")
        }
        let source = string("source", required: false) ?? "api"
        let externalID = string("external_id", required: false)
        let environment = string("environment", required: false)
        let version = string("version", required: false)
        let author = string("author", required: false)
        let url = string("url", required: false)
        var metadata: String?
        switch fields["metadata"] {
        case nil, is NSNull: break
        case let object as [String: Any]:
            metadata = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) }
        default: problems.append("\(path).metadata: expected an object")
        }
        guard problems.isEmpty, let service, let summary, let kind, let occurredAt else {
            return .failure(Invalid(problems: problems, malformed: false))
        }
        return .success(
            Change(
                source: source,
                externalID: externalID ?? Self.derivedID(source, service, kind.rawValue, summary, occurredAt.rfc3339),
                service: service, environment: environment?.lowercased(), kind: kind, summary: summary,
                version: version, author: author, url: url, occurredAt: occurredAt, metadata: metadata))
    }

    /// A PagerDuty Change Events v2 body: `routing_key`, `payload{summary, timestamp, source, custom_details}`, `links`.
    private func pagerDutyChange(_ event: [String: Any], receivedAt: Date) throws(Invalid) -> Change {
        guard let payload = event["payload"] as? [String: Any] else {
            throw Invalid(problems: ["payload: missing (a PagerDuty change event needs payload.summary)"], malformed: false)
        }
        let details = payload["custom_details"] as? [String: Any] ?? [:]
        var problems: [String] = []
        let summary = payload["summary"] as? String
        if summary?.isEmpty ?? true { problems.append("payload.summary: missing") }
        let service = (details[pagerDutyServiceKey] as? String) ?? (payload["source"] as? String)
        if service?.isEmpty ?? true {
            problems.append("payload.source: missing (or set custom_details.\(pagerDutyServiceKey)) to name the service")
        }
        var occurredAt = receivedAt
        if let timestamp = payload["timestamp"] as? String {
            if let parsed = Date(rfc3339: timestamp) {
                occurredAt = parsed
            } else {
                problems.append("payload.timestamp: not an RFC 3339 timestamp")
            }
        }
        guard problems.isEmpty, let summary, let service else { throw Invalid(problems: problems, malformed: false) }
        let kind = (details["kind"] as? String).flatMap { ChangeKind(rawValue: $0.lowercased()) } ?? .deploy
        let link = (event["links"] as? [[String: Any]])?.first?["href"] as? String
        let metadata = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) }
        return Change(
            source: "pagerduty", externalID: Self.derivedID("pagerduty", service, summary, occurredAt.rfc3339),
            service: service, environment: (details["environment"] as? String)?.lowercased(), kind: kind,
            summary: summary, version: details["version"] as? String, author: details["author"] as? String, url: link,
            occurredAt: occurredAt, metadata: details.isEmpty ? nil : metadata)
    }

    /// A stable id for senders that give none, so resending the same change is still idempotent.
    static func derivedID(_ parts: String...) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
