import Foundation
import GRDB

/// Records Alertmanager deliveries as incidents: one open incident per `groupKey`, resolved when the group is.
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
                    db, sql: "SELECT id, created_at FROM alert_incidents WHERE group_key = ? AND status = 'firing'",
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
                try db.execute(
                    sql: "UPDATE alert_incidents SET payload = ?, updated_at = ? WHERE id = ?",
                    arguments: [body, now.unixTime, open["id"] as String])
                return .repeated(id: open["id"])
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
}
