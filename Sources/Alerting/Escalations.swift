import CoreMetrics
import Foundation
import GRDB
import Outbound
import WebhookIn

/// Alert incidents from notification to page: the Slack alert, the wait for an acknowledgement, the page through
/// the on-call provider, and its acknowledgement and resolution — each step a state change of one `escalations`
/// row and the outbox messages it causes, in one transaction.
///
/// Every transition is a conditional `UPDATE` on the row's state, and SQLite runs one write at a time, so an
/// acknowledgement racing the due time has exactly one outcome and a page is never sent twice.
public struct Escalations: AlertEscalation {
    public struct Settings: Sendable {
        /// Page at all (`oncall.enable`); a request can override it.
        public var enabled = false
        public var waitMinutes = 3
        /// Nil when no provider is configured: nothing can be paged.
        public var provider: OncallEvent.Provider?
        public var routes = OncallRoutes()
        /// How long an acknowledgement link stays valid.
        public var ackLinkLifetime: Duration = .seconds(24 * 3600)
        /// Where alerts are posted; nil keeps them out of Slack.
        public var slackChannel: String?
        /// Severity label values to PagerDuty severities.
        public var pagerDutySeverities = ["critical": "critical", "error": "error", "warning": "warning", "info": "info"]
        public var pagerDutyDefaultSeverity = "error"
        /// Merged into every incident.io alert event's metadata.
        public var incidentIOMetadata: [String: String] = [:]

        public init() {}
    }

    /// What an acknowledgement did.
    public enum AckOutcome: Sendable, Equatable {
        /// Acknowledged before the page: it is cancelled (`pageCancelled`), or there was none to cancel.
        case acknowledged(pageCancelled: Bool)
        /// On-call had been paged already: the ack is recorded (and passed on to PagerDuty).
        case acknowledgedAfterPage
        case alreadyAcknowledged(by: String, at: Date)
        case unknownIncident
    }

    /// An escalation as stored.
    public struct Row: Sendable, Equatable {
        public var incidentID: String
        public var state: String
        public var dueAt: Date?
        public var acknowledgedBy: String?
    }

    private let settings: Settings
    private let database: any DatabaseWriter
    private let template: SlackAlertTemplate?
    private let links: SignedLinks
    private let telemetry: any MetricsFactory

    /// - Parameter telemetry: receives `inquest_page_lateness_seconds`, how long after its due time each page was
    ///   queued.
    public init(
        settings: Settings, database: any DatabaseWriter, template: SlackAlertTemplate?, links: SignedLinks,
        telemetry: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.telemetry = telemetry
        self.settings = settings
        self.database = database
        self.template = settings.slackChannel == nil ? nil : template
        self.links = links
    }

    public var routes: OncallRoutes { settings.routes }

    public func opened(_ incident: AlertIncident, overrides: OncallOverrides, at now: Date, in db: Database) throws -> Date? {
        let wait = overrides.waitMinutes ?? settings.waitMinutes
        let provider = (overrides.enable ?? settings.enabled) ? settings.provider : nil
        let route =
            switch provider {
            case .pagerDuty: overrides.pagerDutyRoutingKey ?? "default"
            case .incidentIO: overrides.incidentIOAlertSource ?? "default"
            case nil: nil as String?
            }
        let dueAt = provider == nil ? nil : now.addingTimeInterval(Double(wait * 60))
        try db.execute(
            sql: """
                INSERT INTO escalations (incident_id, state, provider, route, due_at, title, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                incident.id, provider == nil ? "off" : "waiting", provider?.rawValue, route, dueAt?.timeIntervalSince1970,
                incident.title, incident.body, now.timeIntervalSince1970,
            ])
        if wait == 0, provider != nil {
            // The first post already says on-call was paged; no edit right behind it.
            try escalate(incidentID: incident.id, at: now, notifying: false, in: db)
        }
        try notify(incident.id, operation: "post", step: "opened", at: now, in: db)
        return dueAt
    }

    /// A flap: the incident is open again in its own row and message. Whoever acknowledged it still owns it (no
    /// page); if on-call was paged, they are paged again at once under the same dedup key, so the provider files
    /// it with the first page; otherwise the wait starts over.
    public func firedAgain(_ incident: AlertIncident, overrides: OncallOverrides, at now: Date, in db: Database) throws -> Date? {
        guard let row = try stored(incident.id, in: db) else { return try opened(incident, overrides: overrides, at: now, in: db) }
        let wait = overrides.waitMinutes ?? settings.waitMinutes
        let paging = row["provider"] as String? != nil && overrides.enable != false
        let state: String
        var dueAt: Date?
        if row["acknowledged_by"] as String? != nil {
            state = "acknowledged"
        } else if !paging {
            state = "off"
        } else if row["paged_at"] as Double? != nil || wait == 0 {
            state = "waiting"
            dueAt = now
        } else {
            state = "waiting"
            dueAt = now.addingTimeInterval(Double(wait * 60))
        }
        try db.execute(
            sql: """
                UPDATE escalations SET state = ?, due_at = ?, paged_at = NULL, resolved_at = NULL, title = ?, payload = ?,
                    refired = refired + 1
                WHERE incident_id = ?
                """,
            arguments: [state, dueAt?.timeIntervalSince1970, incident.title, incident.body, incident.id])
        if dueAt == now {
            try escalate(incidentID: incident.id, at: now, notifying: false, in: db)
        }
        try notify(incident.id, operation: "update", step: "fired-again", at: now, in: db)
        return dueAt
    }

    public func resolved(_ incident: AlertIncident, at now: Date, in db: Database) throws {
        guard let row = try stored(incident.id, in: db) else { return }
        try db.execute(
            sql: "UPDATE escalations SET state = 'resolved', resolved_at = ?, payload = ? WHERE incident_id = ?",
            arguments: [now.timeIntervalSince1970, incident.body, incident.id])
        // The resolve event carries the alerts as resolved, not as they were when paged.
        if row["paged_at"] as Double? != nil, let resolved = try stored(incident.id, in: db) {
            try page(.resolve, row: resolved, at: now, in: db)
        }
        try notify(incident.id, operation: "update", step: "resolved", at: now, in: db)
    }

    /// Acknowledges as `by` (a Slack user, or a name typed on the link's page).
    public func acknowledge(_ incidentID: String, by: String, at now: Date) async throws -> AckOutcome {
        try await database.write { db in
            guard let row = try stored(incidentID, in: db) else { return .unknownIncident }
            if let who = row["acknowledged_by"] as String?, let when = row["acknowledged_at"] as Double? {
                return .alreadyAcknowledged(by: who, at: Date(timeIntervalSince1970: when))
            }
            let state: String = row["state"]
            try db.execute(
                sql: """
                    UPDATE escalations SET acknowledged_by = ?, acknowledged_at = ?,
                        state = CASE WHEN state IN ('waiting', 'paged', 'off') THEN 'acknowledged' ELSE state END
                    WHERE incident_id = ?
                    """,
                arguments: [by, now.timeIntervalSince1970, incidentID])
            try notify(incidentID, operation: "update", step: "acknowledged", at: now, in: db)
            if state == "paged" {
                if row["provider"] == OncallEvent.Provider.pagerDuty.rawValue {
                    try page(.acknowledge, row: row, at: now, in: db)
                }
                return .acknowledgedAfterPage
            }
            return .acknowledged(pageCancelled: state == "waiting")
        }
    }

    /// Pages every escalation whose wait is over. With Slack notifications on, the wait runs from when the alert's
    /// post became visible — a post still queued (Slack pacing a storm) has been seen by nobody, so nobody could
    /// have acknowledged it — except that a post Slack refused for good pages at once. Returns how many.
    @discardableResult
    public func escalateDue(now: Date) async throws -> Int {
        try await database.write { db in
            let due = try GRDB.Row.fetchAll(
                db,
                sql: "SELECT incident_id, due_at, created_at, refired FROM escalations WHERE state = 'waiting' AND due_at <= ?",
                arguments: [now.timeIntervalSince1970])
            var paged = 0
            for row in due {
                let id: String = row["incident_id"]
                // A flap's round reuses a post already visible: its wait ran from when it fired again.
                if template != nil, row["refired"] as Int == 0 {
                    if let posted = try SlackAPI.postedAt("alert:\(id)", in: db) {
                        let wait = (row["due_at"] as Double) - (row["created_at"] as Double)
                        guard posted.timeIntervalSince1970 + wait <= now.timeIntervalSince1970 else { continue }
                    } else if try Outbox.state(provider: SlackAPI.alertProvider, dedupKey: "alert-\(id)-opened", in: db) != .dead {
                        continue
                    }
                }
                try escalate(incidentID: id, at: now, in: db)
                paged += 1
            }
            return paged
        }
    }

    /// How many escalations are in each state, for `/metrics`.
    public func countsByState() async throws -> [String: Int] {
        try await database.read { db in
            Dictionary(
                uniqueKeysWithValues: try GRDB.Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM escalations GROUP BY state")
                    .map { ($0["state"] as String, $0["n"] as Int) })
        }
    }

    /// The stored escalation, for the API and the acknowledgement page.
    public func escalation(_ incidentID: String) async throws -> Row? {
        try await database.read { db in
            try stored(incidentID, in: db).map {
                Row(
                    incidentID: incidentID, state: $0["state"], dueAt: ($0["due_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    acknowledgedBy: $0["acknowledged_by"])
            }
        }
    }

    private func stored(_ incidentID: String, in db: Database) throws -> GRDB.Row? {
        try GRDB.Row.fetchOne(db, sql: "SELECT * FROM escalations WHERE incident_id = ?", arguments: [incidentID])
    }

    /// `waiting` → `paged`, and the trigger event, together.
    private func escalate(incidentID: String, at now: Date, notifying: Bool = true, in db: Database) throws {
        try db.execute(
            sql: "UPDATE escalations SET state = 'paged', paged_at = ? WHERE incident_id = ? AND state = 'waiting'",
            arguments: [now.timeIntervalSince1970, incidentID])
        guard db.changesCount == 1, let row = try stored(incidentID, in: db) else { return }
        if let due = row["due_at"] as Double? {
            Timer(label: "inquest_page_lateness_seconds", factory: telemetry)
                .recordNanoseconds(Int64(max(0, now.timeIntervalSince1970 - due) * 1e9))
        }
        try page(.trigger, row: row, at: now, in: db)
        if notifying { try notify(incidentID, operation: "update", step: "paged", at: now, in: db) }
    }

    private func page(_ action: OncallEvent.Action, row: GRDB.Row, at now: Date, in db: Database) throws {
        guard let provider = (row["provider"] as String?).flatMap(OncallEvent.Provider.init(rawValue:)) else { return }
        let incidentID: String = row["incident_id"]
        let body: String = row["payload"]
        let payload = (try? JSONDecoder().decode(AlertmanagerPayload.self, from: Data(body.utf8))) ?? AlertmanagerPayload()
        let alerts = (try? JSONDecoder().decode(AlertsAsSent.self, from: Data(body.utf8)))?.alerts
        let event = OncallEvent.make(
            action, provider: provider, route: row["route"] ?? "default", incidentID: incidentID, title: row["title"],
            payload: payload,
            details: .init(
                incidentURL: ackURL(incidentID, from: now), pagerDutySeverities: settings.pagerDutySeverities,
                pagerDutyDefaultSeverity: settings.pagerDutyDefaultSeverity,
                incidentIOMetadata: settings.incidentIOMetadata, alerts: alerts ?? []),
            at: now)
        try Outbox.enqueue(
            OutboxMessage(
                provider: provider == .pagerDuty ? "pagerduty" : "incident_io_alerts", operation: "event",
                target: event.route, dedupKey: "page-\(incidentID)-\(action.rawValue)" + Self.round(row), payload: event,
                sequence: "page-\(incidentID)",
                at: now),
            in: db)
    }

    /// The Slack alert: posted when opened, edited in place at each later step.
    private func notify(_ incidentID: String, operation: String, step: String, at now: Date, in db: Database) throws {
        guard let template, let channel = settings.slackChannel, let row = try stored(incidentID, in: db) else { return }
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        let message = try template.render(
            body: row["payload"],
            state: .init(
                incidentID: incidentID, ackURL: ackURL(incidentID, from: date("created_at") ?? now),
                escalatesAt: row["state"] == "waiting" ? date("due_at") : nil, pagedAt: date("paged_at"),
                acknowledgedBy: row["acknowledged_by"], acknowledgedAt: date("acknowledged_at"),
                resolvedAt: date("resolved_at"), firedAgain: row["refired"]))
        try Outbox.enqueue(
            OutboxMessage(
                provider: SlackAPI.alertProvider, operation: operation, target: channel,
                dedupKey: "alert-\(incidentID)-\(step)" + Self.round(row),
                payload: SlackAPI.Post(incidentID: nil, channel: channel, postKey: "alert:\(incidentID)", message: message),
                sequence: "alert:\(incidentID)",
                at: now),
            in: db)
    }

    /// The body's alerts, whatever fields they carry.
    private struct AlertsAsSent: Decodable {
        var alerts: [JSONValue]?
    }

    /// Outbox dedup keys of a round after a flap carry its number; the first round's keep their original form.
    private static func round(_ row: GRDB.Row) -> String {
        let refired: Int = row["refired"] ?? 0
        return refired == 0 ? "" : "-r\(refired)"
    }

    private func ackURL(_ incidentID: String, from start: Date) -> String {
        links.ackURL(for: incidentID, expires: start.addingTimeInterval(Double(settings.ackLinkLifetime.components.seconds)))
    }
}
