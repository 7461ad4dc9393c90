import Foundation
import GRDB

/// Records Alertmanager deliveries as incidents: one open incident per `groupKey`, resolved when the group is.
///
/// A resolve can be lost (a receiver with `send_resolved: false`, a delivery that never arrived): a firing group
/// that mentions none of the alerts its open incident was about — same fingerprint and start time — is a new
/// firing, so the open incident is closed as superseded and a new one opened, instead of the group staying muted.
public struct AlertStore: Sendable {
    public enum Outcome: Sendable, Equatable {
        case opened(id: String, escalatesAt: Date?)
        /// The group was re-sent while its incident is open: recorded, nothing sent again.
        case repeated(id: String)
        case resolved(id: String)
        /// `resolved` for a group with no open incident.
        case noOpenIncident
    }

    private let database: any DatabaseWriter
    private let escalation: any AlertEscalation
    private let outboxQueued: Wakeup?

    /// - Parameter outboxQueued: signalled after an alert is opened or resolved, to send its Slack post at once.
    public init(database: any DatabaseWriter, escalation: any AlertEscalation, outboxQueued: Wakeup? = nil) {
        self.database = database
        self.escalation = escalation
        self.outboxQueued = outboxQueued
    }

    public var routes: OncallRoutes { escalation.routes }

    /// Records one delivery and what it schedules, in one transaction; returns once committed.
    public func record(_ payload: AlertmanagerPayload, body: String, overrides: OncallOverrides, at now: Date)
        async throws -> Outcome
    {
        let outcome = try await database.write { db -> Outcome in
            let open = try payload.groupKey.flatMap { groupKey in
                try Row.fetchOne(
                    db, sql: "SELECT id, created_at, payload FROM alert_incidents WHERE group_key = ? AND status = 'firing'",
                    arguments: [groupKey])
            }
            if payload.isResolved {
                guard let open else { return .noOpenIncident }
                try db.execute(
                    sql: """
                        UPDATE alert_incidents SET status = 'resolved', payload = ?, updated_at = ?, resolved_at = ?
                        WHERE id = ?
                        """,
                    arguments: [body, now.unixTime, now.unixTime, open["id"] as String])
                let incident = AlertIncident(
                    id: open["id"], groupKey: payload.groupKey, title: payload.title, payload: payload, body: body,
                    createdAt: open["created_at"])
                try escalation.resolved(incident, at: now, in: db)
                return .resolved(id: incident.id)
            }
            if let open {
                guard let stored = try? AlertmanagerPayload.decode(Data((open["payload"] as String).utf8)),
                    Self.isNewFiring(payload, after: stored)
                else {
                    try db.execute(
                        sql: "UPDATE alert_incidents SET payload = ?, updated_at = ? WHERE id = ?",
                        arguments: [body, now.unixTime, open["id"] as String])
                    return .repeated(id: open["id"])
                }
                // Its resolve never arrived: close it as a resolve would (the Slack post says so, a page is resolved).
                try db.execute(
                    sql: "UPDATE alert_incidents SET status = 'resolved', updated_at = ?, resolved_at = ? WHERE id = ?",
                    arguments: [now.unixTime, now.unixTime, open["id"] as String])
                try escalation.resolved(
                    AlertIncident(
                        id: open["id"], groupKey: payload.groupKey, title: stored.title, payload: stored,
                        body: open["payload"], createdAt: open["created_at"]),
                    at: now, in: db)
            }
            let incident = AlertIncident(
                id: "alert-" + UUID().uuidString.lowercased(), groupKey: payload.groupKey, title: payload.title,
                payload: payload, body: body, createdAt: now)
            try db.execute(
                sql: """
                    INSERT INTO alert_incidents (id, group_key, status, title, payload, created_at, updated_at)
                    VALUES (?, ?, 'firing', ?, ?, ?, ?)
                    """,
                arguments: [incident.id, incident.groupKey, incident.title, body, now.unixTime, now.unixTime])
            let escalatesAt = try escalation.opened(incident, overrides: overrides, at: now, in: db)
            return .opened(id: incident.id, escalatesAt: escalatesAt)
        }
        switch outcome {
        case .opened, .resolved: outboxQueued?.signal()
        case .repeated, .noOpenIncident: break
        }
        return outcome
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
