import CoreMetrics
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
    private let investigationQueued: Wakeup?

    /// - Parameters:
    ///   - telemetry: receives `inquest_group_commit_batch_size`, how many deliveries each transaction carried.
    ///   - investigationQueued: signalled after a delivery is committed, to start its investigation at once.
    public init(
        database: any DatabaseWriter, queue: any InvestigationQueue, policy: InvestigationPolicy,
        telemetry: any MetricsFactory = NOOPMetricsHandler.instance, investigationQueued: Wakeup? = nil
    ) {
        self.investigationQueued = investigationQueued
        self.database = database
        self.queue = queue
        self.policy = policy
        self.deliveries = GroupCommit(
            database: database, batchSize: Recorder(label: "inquest_group_commit_batch_size", factory: telemetry))
    }

    /// Records one verified delivery. Returns only after the transaction has committed, so an accepted
    /// answer means the incident and its job are durable. Concurrent deliveries share a transaction.
    public func record(deliveryID: String, event: IncidentIOEvent, receivedAt: Date) async throws
        -> (outcome: Outcome, notes: [Note])
    {
        if case .ignored = event.kind { return (.ignored, []) }
        let recorded = try await deliveries.write { db -> (outcome: Outcome, notes: [Note]) in
            // Cached statements on this hot path: preparing each statement anew (and GRDB's authorizer callback per
            // column it touches) cost a third of the ingest throughput.
            try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_deliveries (webhook_id, event_type, incident_id, outcome, received_at)
                    VALUES (?, ?, ?, '', ?) ON CONFLICT DO NOTHING
                    """
            ).execute(arguments: [deliveryID, event.eventType, event.incidentID, receivedAt.unixTime])
            guard db.changesCount == 1 else { return (.duplicate, []) }

            let (receipt, notes) = try apply(
                event.kind, json: event.incidentJSON, deliveryID: deliveryID, at: receivedAt, in: db)
            try db.cachedStatement(sql: "UPDATE webhook_deliveries SET outcome = ? WHERE webhook_id = ?")
                .execute(arguments: [receipt.status, deliveryID])
            return (.accepted(receipt), notes)
        }
        if case .accepted = recorded.outcome { investigationQueued?.signal() }
        return recorded
    }

    /// The most recently first-seen incidents, newest first, before `before` when given: a page of the list.
    public func recent(limit: Int, before: Date? = nil) async throws -> [IncidentRecord] {
        try await database.read { db in
            try IncidentRecord.fetchAll(
                db,
                sql: "SELECT * FROM incidents WHERE first_seen_at < ? ORDER BY first_seen_at DESC, id LIMIT ?",
                arguments: [(before ?? .distantFuture).unixTime, limit])
        }
    }

    /// The stored incident, if any.
    public func incident(id: String) async throws -> IncidentRecord? {
        try await database.read { db in try IncidentRecord.fetchOne(db, key: id) }
    }

    /// A private incident waiting to be read from incident.io's API; `deliveryID` is the delivery that asked.
    public struct PendingFetch: Sendable, Equatable {
        public var incidentID: String
        public var deliveryID: String
    }

    /// Private incidents still to be read from the API, oldest request first.
    public func pendingFetches(limit: Int = 100) async throws -> [PendingFetch] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, fetch_requested_by FROM incidents WHERE fetch_requested_by IS NOT NULL
                    ORDER BY last_event_at LIMIT ?
                    """,
                arguments: [limit]
            ).map { PendingFetch(incidentID: $0["id"], deliveryID: $0["fetch_requested_by"]) }
        }
    }

    /// Applies the incident as read from the API, exactly as a public delivery would be applied. A delivery that
    /// asked again meanwhile keeps the request open, so its newer state is read too.
    public func completeFetch(_ pending: PendingFetch, with incident: IncidentIOIncident, at now: Date) async throws
        -> (receipt: Receipt, notes: [Note])
    {
        try await database.write { db in
            let result = try apply(incident, at: now, in: db)
            try clearFetch(pending, in: db)
            try db.execute(
                sql: "UPDATE webhook_deliveries SET outcome = ? WHERE webhook_id = ?",
                arguments: [result.0.status, pending.deliveryID])
            return result
        }
    }

    /// Gives up reading a private incident (it does not exist, or the key may not read it), with the reason.
    public func abandonFetch(_ pending: PendingFetch, reason: String) async throws {
        try await database.write { db in
            try clearFetch(pending, in: db)
            try db.execute(
                sql: "UPDATE incidents SET decision = ? WHERE id = ? AND investigation_id IS NULL",
                arguments: ["skipped: \(reason)", pending.incidentID])
        }
    }

    private func clearFetch(_ pending: PendingFetch, in db: Database) throws {
        try db.execute(
            sql: "UPDATE incidents SET fetch_requested_by = NULL WHERE id = ? AND fetch_requested_by = ?",
            arguments: [pending.incidentID, pending.deliveryID])
    }

    /// Forgets delivery ids older than `cutoff`; incident.io stops retrying after 24 h.
    @discardableResult
    public func pruneDeliveries(before cutoff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE received_at < ?", arguments: [cutoff.unixTime])
            return db.changesCount
        }
    }

    private func apply(_ kind: IncidentIOEvent.Kind, json: String?, deliveryID: String, at now: Date, in db: Database) throws
        -> (Receipt, [Note])
    {
        switch kind {
        case .created(let incident), .updated(let incident):
            return try apply(incident, json: json, at: now, in: db)
        case .privateIncident(let id, _):
            var record =
                try IncidentRecord.fetchOne(db, key: id)
                ?? IncidentRecord(
                    id: id, source: "incident_io", priority: policy.defaultPriority,
                    payload: try encode(IncidentIOIncident(id: id)),
                    decision: Self.fetching, firstSeenAt: now, lastEventAt: now)
            record.lastEventAt = now
            if policy.fetchPrivateIncidents {
                // Read back from the API by `PrivateIncidentFetcher`, which then applies the policy as for a public one.
                record.fetchRequestedBy = deliveryID
            } else if record.investigationID == nil {
                record.decision = "skipped: \(InvestigationPolicy.SkipReason.privateIncident.rawValue)"
            }
            try record.save(db)
            let status =
                record.fetchRequestedBy != nil ? Self.fetching : record.investigationID == nil ? record.decision : "recorded"
            return (Receipt(incidentID: id, investigationID: record.investigationID, priority: record.priority, status: status), [])
        case .ignored:
            preconditionFailure("ignored events are answered before the transaction")
        }
    }

    /// `json` is the incident as delivered, stored as it is; without it the decoded incident is stored.
    private func apply(_ incident: IncidentIOIncident, json: String? = nil, at now: Date, in db: Database) throws
        -> (Receipt, [Note])
    {
        let (priority, known) = policy.priority(forSeverity: incident.severity?.name)
        let notes: [Note] = known ? [] : [.unknownSeverity(incident.severity?.name)]
        let updatedAt = incident.updatedAt.flatMap(Date.init(rfc3339:))
        let existing = try IncidentRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM incidents WHERE id = ?"), arguments: [incident.id])
        // Deliveries can arrive out of order: an older state never overwrites a newer one.
        let isStale = existing?.sourceUpdatedAt.map { stored in updatedAt.map { $0 < stored } ?? true } ?? false

        var current: (priority: Priority, mode: String?) = (priority, incident.mode)
        if let existing, isStale {
            current = (existing.priority, existing.mode)
            try db.execute(sql: "UPDATE incidents SET last_event_at = ? WHERE id = ?", arguments: [now.unixTime, incident.id])
        } else {
            try db.cachedStatement(
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
                    """
            ).execute(
                arguments: [
                    incident.id, incident.reference, incident.name, incident.severity?.name, priority.rawValue,
                    incident.mode, incident.incidentStatus?.category,
                    incident.slackChannelID.flatMap { $0.isEmpty ? nil : $0 },
                    incident.createdAt.flatMap(Date.init(rfc3339:))?.unixTime, updatedAt?.unixTime, try json ?? encode(incident),
                    now.unixTime, now.unixTime,
                ])
        }

        let decision = policy.decide(priority: current.priority, mode: current.mode)
        if let existing, let investigationID = existing.investigationID {
            let recorded = Receipt(
                incidentID: incident.id, investigationID: investigationID, priority: current.priority, status: "recorded")
            guard case .investigate = decision, !isStale,
                let investigated = existing.investigatedPriority, current.priority < investigated
            else { return (recorded, notes) }
            if try queue.status(ofInvestigation: investigationID, in: db) == "queued" {
                // Not started yet: it will read the raised severity when it does.
                try db.execute(
                    sql: "UPDATE incidents SET investigated_priority = ? WHERE id = ?",
                    arguments: [current.priority.rawValue, incident.id])
                return (Receipt(incidentID: incident.id, investigationID: investigationID, priority: current.priority, status: "queued"), notes)
            }
            let start = policy.reinvestigation(
                investigated: investigated, current: current.priority, lastStart: existing.investigationQueuedAt ?? now,
                now: now)
            let receipt = try queueInvestigation(
                incident.id, current.priority, reason: "severity raised to \(current.priority.rawValue)", at: now,
                notBefore: start, in: db)
            return (receipt, notes)
        }
        switch decision {
        case .investigate:
            let wasBelow = existing?.decision == "skipped: \(InvestigationPolicy.SkipReason.belowThreshold.rawValue)"
            let reason = wasBelow ? "severity raised to \(current.priority.rawValue)" : "incident created"
            return (try queueInvestigation(incident.id, current.priority, reason: reason, at: now, notBefore: nil, in: db), notes)
        case .skip(let reason):
            let decision = "skipped: \(reason.rawValue)"
            try db.execute(sql: "UPDATE incidents SET decision = ? WHERE id = ?", arguments: [decision, incident.id])
            return (Receipt(incidentID: incident.id, investigationID: nil, priority: current.priority, status: decision), notes)
        }
    }

    /// Queues an investigation and remembers the priority it was queued at, for the next severity raise.
    private func queueInvestigation(
        _ incidentID: String, _ priority: Priority, reason: String, at now: Date, notBefore: Date?, in db: Database
    ) throws -> Receipt {
        let request = InvestigationRequest(
            incidentID: incidentID, priority: priority, reason: reason, queuedAt: now, notBefore: notBefore)
        let investigationID = try queue.enqueue(request, in: db)
        try db.cachedStatement(
            sql: """
                UPDATE incidents SET decision = 'queued', investigation_id = ?, investigated_priority = ?,
                    investigation_queued_at = ?
                WHERE id = ?
                """
        ).execute(arguments: [investigationID, priority.rawValue, request.notBefore.unixTime, incidentID])
        return Receipt(incidentID: incidentID, investigationID: investigationID, priority: priority, status: "queued")
    }

    private static let fetching = "fetching"

    private func encode(_ incident: IncidentIOIncident) throws -> String {
        String(decoding: try JSONEncoder().encode(incident), as: UTF8.self)
    }
}
