import Foundation
import GRDB
import Outbound
import WebhookIn

/// Records Alertmanager deliveries as incidents: one open incident per `groupKey`, resolved when the group is.
///
/// An incident is its alerts as much as its key:
/// - a route edit changes a group's `groupKey`; a group whose alerts (by fingerprint) belong to an open incident
///   of the same receiver under another key is that incident, now under the new key. Another receiver's group of
///   the same alerts (a route with `continue: true`, paging another team) stays an incident of its own;
/// - a group that fires again within `flapWindow` of resolving reopens its incident (same id, so the same page
///   dedup key and the same Slack message) instead of opening a new one;
/// - a resolve can be lost (a receiver with `send_resolved: false`, a delivery that never arrived): a firing group
///   that mentions none of the alerts its open incident was about — same fingerprint and start time — is a new
///   firing, so the open incident is closed as superseded and a new one opened, instead of the group staying muted.
public struct AlertStore: Sendable {
    public enum Outcome: Sendable, Equatable {
        case opened(id: String, escalatesAt: Date?)
        /// The group fired again within the flap window: its resolved incident is open again.
        case reopened(id: String, escalatesAt: Date?)
        /// The group was re-sent while its incident is open: recorded, nothing sent again.
        case repeated(id: String)
        case resolved(id: String)
        /// `resolved` for a group with no open incident.
        case noOpenIncident
    }

    private let database: any DatabaseWriter
    private let escalation: any AlertEscalation
    private let flapWindow: TimeInterval
    private let outboxQueued: Wakeup?

    /// - Parameters:
    ///   - flapWindow: how long after resolving a group that fires again is the same incident.
    ///   - outboxQueued: signalled after an alert is opened or resolved, to send its Slack post at once.
    public init(
        database: any DatabaseWriter, escalation: any AlertEscalation, flapWindow: Duration = .seconds(3600),
        outboxQueued: Wakeup? = nil
    ) {
        self.database = database
        self.escalation = escalation
        self.flapWindow = Double(flapWindow.components.seconds)
        self.outboxQueued = outboxQueued
    }

    public var routes: OncallRoutes { escalation.routes }

    /// Records one delivery and what it schedules, in one transaction; returns once committed.
    public func record(_ payload: AlertmanagerPayload, body: String, overrides: OncallOverrides, at now: Date)
        async throws -> Outcome
    {
        let outcome = try await database.write { db -> Outcome in
            let fingerprints = Set((payload.alerts ?? []).compactMap(\.fingerprint))
            let open = try Self.open(groupKey: payload.groupKey, receiver: payload.receiver, fingerprints: fingerprints, in: db)
            if payload.isResolved {
                guard let open else { return .noOpenIncident }
                try db.execute(
                    sql: """
                        UPDATE alert_incidents SET status = 'resolved', payload = ?, updated_at = ?, resolved_at = ?
                        WHERE id = ?
                        """,
                    arguments: [body, now.unixTime, now.unixTime, open.id])
                try escalation.resolved(open.with(payload, body: body), at: now, in: db)
                return .resolved(id: open.id)
            }
            if let open {
                guard Self.isNewFiring(payload, after: open.payload) else {
                    try db.execute(
                        sql: "UPDATE alert_incidents SET group_key = ?, payload = ?, updated_at = ? WHERE id = ?",
                        arguments: [payload.groupKey, body, now.unixTime, open.id])
                    try Self.remember(fingerprints, of: open.id, in: db)
                    return .repeated(id: open.id)
                }
                // Its resolve never arrived: close it as a resolve would (the Slack post says so, a page is resolved).
                try db.execute(
                    sql: "UPDATE alert_incidents SET status = 'resolved', updated_at = ?, resolved_at = ? WHERE id = ?",
                    arguments: [now.unixTime, now.unixTime, open.id])
                try escalation.resolved(open, at: now, in: db)
            } else if let flapped = try Self.resolved(
                groupKey: payload.groupKey, receiver: payload.receiver, fingerprints: fingerprints,
                since: now.addingTimeInterval(-flapWindow), in: db)
            {
                try db.execute(
                    sql: """
                        UPDATE alert_incidents SET status = 'firing', group_key = ?, payload = ?, updated_at = ?,
                            resolved_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [payload.groupKey, body, now.unixTime, flapped.id])
                try Self.remember(fingerprints, of: flapped.id, in: db)
                let escalatesAt = try escalation.firedAgain(flapped.with(payload, body: body), overrides: overrides, at: now, in: db)
                return .reopened(id: flapped.id, escalatesAt: escalatesAt)
            }
            let incident = AlertIncident(
                id: "alert-" + UUID().uuidString.lowercased(), groupKey: payload.groupKey, title: payload.title,
                payload: payload, body: body, createdAt: now)
            try db.execute(
                sql: """
                    INSERT INTO alert_incidents (id, group_key, receiver, status, title, payload, created_at, updated_at)
                    VALUES (?, ?, ?, 'firing', ?, ?, ?, ?)
                    """,
                arguments: [
                    incident.id, incident.groupKey, payload.receiver, incident.title, body, now.unixTime, now.unixTime,
                ])
            try Self.remember(fingerprints, of: incident.id, in: db)
            let escalatesAt = try escalation.opened(incident, overrides: overrides, at: now, in: db)
            return .opened(id: incident.id, escalatesAt: escalatesAt)
        }
        switch outcome {
        case .opened, .reopened, .resolved: outboxQueued?.signal()
        case .repeated, .noOpenIncident: break
        }
        return outcome
    }

    /// The open incident of `groupKey`, else the receiver's open incident any of `fingerprints` belongs to.
    private static func open(groupKey: String?, receiver: String?, fingerprints: Set<String>, in db: Database) throws
        -> AlertIncident?
    {
        if let groupKey, let row = try Row.fetchOne(
            db, sql: "SELECT * FROM alert_incidents WHERE group_key = ? AND status = 'firing'", arguments: [groupKey])
        {
            return incident(row)
        }
        return try byFingerprint(fingerprints, receiver: receiver, where: "i.status = 'firing'", [], in: db)
    }

    /// The latest incident of `groupKey`, or of the receiver's `fingerprints`, resolved since `since`.
    private static func resolved(
        groupKey: String?, receiver: String?, fingerprints: Set<String>, since: Date, in db: Database
    ) throws
        -> AlertIncident?
    {
        if let groupKey, let row = try Row.fetchOne(
            db,
            sql: """
                SELECT * FROM alert_incidents WHERE group_key = ? AND status = 'resolved' AND resolved_at >= ?
                ORDER BY resolved_at DESC LIMIT 1
                """,
            arguments: [groupKey, since.unixTime])
        {
            return incident(row)
        }
        return try byFingerprint(
            fingerprints, receiver: receiver, where: "i.status = 'resolved' AND i.resolved_at >= ?", [since.unixTime], in: db)
    }

    private static func byFingerprint(
        _ fingerprints: Set<String>, receiver: String?, where condition: String, _ arguments: StatementArguments,
        in db: Database
    ) throws -> AlertIncident? {
        guard !fingerprints.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: fingerprints.count).joined(separator: ", ")
        return try Row.fetchOne(
            db,
            sql: """
                SELECT i.* FROM alert_incidents i JOIN alert_fingerprints f ON f.incident_id = i.id
                WHERE f.fingerprint IN (\(marks)) AND i.receiver IS ? AND \(condition) ORDER BY i.updated_at DESC LIMIT 1
                """,
            arguments: StatementArguments(fingerprints.sorted()) + [receiver] + arguments
        ).map(incident)
    }

    private static func incident(_ row: Row) -> AlertIncident {
        // Stored only after it decoded; an empty payload (no alerts) if it no longer does: never "new".
        let payload = (try? AlertmanagerPayload.decode(Data((row["payload"] as String).utf8))) ?? AlertmanagerPayload()
        return AlertIncident(
            id: row["id"], groupKey: row["group_key"], title: row["title"], payload: payload, body: row["payload"],
            createdAt: row["created_at"])
    }

    private static func remember(_ fingerprints: Set<String>, of incidentID: String, in db: Database) throws {
        for fingerprint in fingerprints {
            try db.execute(
                sql: "INSERT OR IGNORE INTO alert_fingerprints (fingerprint, incident_id) VALUES (?, ?)",
                arguments: [fingerprint, incidentID])
        }
    }

    /// True when `payload` mentions none of the alerts firing in `stored` (an alert is its fingerprint, or labels,
    /// and its start time): Alertmanager re-sends a group's alerts with their first start time, and includes
    /// resolved ones, for as long as it knows them. Unknown when either has no alert with a start time: not new.
    static func isNewFiring(_ payload: AlertmanagerPayload, after stored: AlertmanagerPayload) -> Bool {
        func identity(_ alert: AlertmanagerPayload.Alert) -> String? {
            guard let startsAt = alert.startsAt else { return nil }
            let key = alert.fingerprint ?? alert.labels?.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return key.map { "\($0)@\(startsAt)" }
        }
        let before = Set((stored.alerts ?? []).filter { $0.status != "resolved" }.compactMap(identity))
        let now = Set((payload.alerts ?? []).compactMap(identity))
        guard !before.isEmpty, !now.isEmpty else { return false }
        return before.isDisjoint(with: now)
    }
}
