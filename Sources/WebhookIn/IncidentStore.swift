import Foundation
import GRDB

/// Records incident.io deliveries: replay guard, incident state and the decision to investigate, in one transaction.
public struct IncidentStore: Sendable {
    /// What the sender is told about an accepted delivery.
    public struct Receipt: Sendable, Equatable, Encodable {
        public var incidentID: String
        public var investigationID: Int64?
        public var priority: Priority
        /// `queued`, `recorded`, or `skipped: <reason>`.
        public var status: String

        enum CodingKeys: String, CodingKey {
            case incidentID = "incident_id"
            case investigationID = "investigation_id"
            case priority, status
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(incidentID, forKey: .incidentID)
            try container.encode(investigationID, forKey: .investigationID)  // explicit null, not omitted
            try container.encode(priority, forKey: .priority)
            try container.encode(status, forKey: .status)
        }
    }

    public enum Outcome: Sendable, Equatable {
        case accepted(Receipt)
        /// The webhook-id was accepted before; nothing was changed.
        case duplicate
        /// The event type is not one Inquest acts on.
        case ignored
    }

    /// Something the caller should log once the transaction has committed.
    public enum Note: Sendable, Equatable {
        case unknownSeverity(String?)
    }

    private let database: any DatabaseWriter
    private let queue: any InvestigationQueue
    private let policy: InvestigationPolicy
    private let deliveries: GroupCommit<(outcome: Outcome, notes: [Note])>

    public init(database: any DatabaseWriter, queue: any InvestigationQueue, policy: InvestigationPolicy) {
        self.database = database
        self.queue = queue
        self.policy = policy
        self.deliveries = GroupCommit(database: database)
    }

    /// Records one verified delivery. Returns only after the transaction has committed, so an accepted
    /// answer means the incident and its job are durable. Concurrent deliveries share a transaction.
    public func record(deliveryID: String, event: IncidentIOEvent, receivedAt: Date) async throws
        -> (outcome: Outcome, notes: [Note])
    {
        if case .ignored = event.kind { return (.ignored, []) }
        return try await deliveries.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_deliveries (webhook_id, event_type, incident_id, outcome, received_at)
                    VALUES (?, ?, ?, '', ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [deliveryID, event.eventType, event.incidentID, receivedAt.unixTime])
            guard db.changesCount == 1 else { return (.duplicate, []) }

            let (receipt, notes) = try apply(event.kind, at: receivedAt, in: db)
            try db.execute(
                sql: "UPDATE webhook_deliveries SET outcome = ? WHERE webhook_id = ?",
                arguments: [receipt.status, deliveryID])
            return (.accepted(receipt), notes)
        }
    }

    /// The stored incident, if any.
    public func incident(id: String) async throws -> IncidentRecord? {
        try await database.read { db in try IncidentRecord.fetchOne(db, key: id) }
    }

    /// Forgets delivery ids older than `cutoff`; incident.io stops retrying after 24 h.
    @discardableResult
    public func pruneDeliveries(before cutoff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE received_at < ?", arguments: [cutoff.unixTime])
            return db.changesCount
        }
    }

    private func apply(_ kind: IncidentIOEvent.Kind, at now: Date, in db: Database) throws -> (Receipt, [Note]) {
        switch kind {
        case .created(let incident), .updated(let incident):
            return try apply(incident, at: now, in: db)
        case .privateIncident(let id, _):
            var record =
                try IncidentRecord.fetchOne(db, key: id)
                ?? IncidentRecord(
                    id: id, source: "incident_io", priority: policy.defaultPriority,
                    payload: try encode(IncidentIOIncident(id: id)),
                    decision: "", firstSeenAt: now, lastEventAt: now)
            record.lastEventAt = now
            if record.investigationID == nil {
                record.decision = "skipped: \(InvestigationPolicy.SkipReason.privateIncident.rawValue)"
            }
            try record.save(db)
            return (
                Receipt(
                    incidentID: id, investigationID: record.investigationID, priority: record.priority,
                    status: record.investigationID == nil ? record.decision : "recorded"), []
            )
        case .ignored:
            preconditionFailure("ignored events are answered before the transaction")
        }
    }

    private func apply(_ incident: IncidentIOIncident, at now: Date, in db: Database) throws -> (Receipt, [Note]) {
        let (priority, known) = policy.priority(forSeverity: incident.severity?.name)
        let notes: [Note] = known ? [] : [.unknownSeverity(incident.severity?.name)]
        let updatedAt = incident.updatedAt.flatMap(Date.init(rfc3339:))
        let existing = try Row.fetchOne(
            db, sql: "SELECT priority, mode, source_updated_at, investigation_id FROM incidents WHERE id = ?",
            arguments: [incident.id])
        let storedUpdatedAt: Date? = existing?["source_updated_at"]
        // Deliveries can arrive out of order: an older state never overwrites a newer one.
        let isStale = storedUpdatedAt.map { stored in updatedAt.map { $0 < stored } ?? true } ?? false

        var current: (priority: Priority, mode: String?) = (priority, incident.mode)
        if let existing, isStale {
            current = (Priority(rawValue: existing["priority"]) ?? priority, existing["mode"])
            try db.execute(sql: "UPDATE incidents SET last_event_at = ? WHERE id = ?", arguments: [now.unixTime, incident.id])
        } else {
            try db.execute(
                sql: """
                    INSERT INTO incidents (id, source, reference, name, severity, priority, mode, status_category,
                        slack_channel_id, source_created_at, source_updated_at, payload, decision, first_seen_at, last_event_at)
                    VALUES (?, 'incident_io', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)
                    ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, name = excluded.name,
                        severity = excluded.severity, priority = excluded.priority, mode = excluded.mode,
                        status_category = excluded.status_category,
                        slack_channel_id = COALESCE(excluded.slack_channel_id, incidents.slack_channel_id),
                        source_created_at = excluded.source_created_at, source_updated_at = excluded.source_updated_at,
                        payload = excluded.payload, last_event_at = excluded.last_event_at
                    """,
                arguments: [
                    incident.id, incident.reference, incident.name, incident.severity?.name, priority.rawValue,
                    incident.mode, incident.incidentStatus?.category,
                    incident.slackChannelID.flatMap { $0.isEmpty ? nil : $0 },
                    incident.createdAt.flatMap(Date.init(rfc3339:))?.unixTime, updatedAt?.unixTime, try encode(incident),
                    now.unixTime, now.unixTime,
                ])
        }

        if let investigationID: Int64 = existing?["investigation_id"] {
            return (
                Receipt(
                    incidentID: incident.id, investigationID: investigationID, priority: current.priority, status: "recorded"),
                notes
            )
        }
        switch policy.decide(priority: current.priority, mode: current.mode) {
        case .investigate:
            let reason = existing == nil ? "incident created" : "severity raised to \(current.priority.rawValue)"
            let investigationID = try queue.enqueue(
                InvestigationRequest(incidentID: incident.id, priority: current.priority, reason: reason, queuedAt: now),
                in: db)
            try db.execute(
                sql: "UPDATE incidents SET decision = 'queued', investigation_id = ? WHERE id = ?",
                arguments: [investigationID, incident.id])
            return (
                Receipt(incidentID: incident.id, investigationID: investigationID, priority: current.priority, status: "queued"),
                notes
            )
        case .skip(let reason):
            let decision = "skipped: \(reason.rawValue)"
            try db.execute(sql: "UPDATE incidents SET decision = ? WHERE id = ?", arguments: [decision, incident.id])
            return (Receipt(incidentID: incident.id, investigationID: nil, priority: current.priority, status: decision), notes)
        }
    }

    private func encode(_ incident: IncidentIOIncident) throws -> String {
        String(decoding: try JSONEncoder().encode(incident), as: UTF8.self)
    }
}
