import Foundation
import GRDB
import Outbound
import WebhookIn

/// What follows once an Alertmanager incident is recorded: the Slack notification and the on-call page.
///
/// The seam between WebhookIn and Outbound, like ``InvestigationQueue``: WebhookIn records the alert, Outbound
/// owns notifications, escalations and providers. Both calls run inside the request's write transaction, so the
/// incident and everything it schedules commit together or not at all — nothing is sent from the request itself.
public protocol AlertEscalation: Sendable {
    /// The names a request may pick with `pagerduty_other_routing_key` / `incidentio_other_alert_source`.
    var routes: OncallRoutes { get }
    /// Notifies, and pages now or schedules the page. Returns when the page is due, if on-call applies.
    func opened(_ incident: AlertIncident, overrides: OncallOverrides, at now: Date, in db: Database) throws -> Date?
    /// The incident fired again soon after resolving: notifies in its existing message and escalates as the flap
    /// warrants. Returns when the page is due, if one is.
    func firedAgain(_ incident: AlertIncident, overrides: OncallOverrides, at now: Date, in db: Database) throws -> Date?
    /// Cancels a pending page, resolves a sent one, and updates the notification.
    func resolved(_ incident: AlertIncident, at now: Date, in db: Database) throws
}

/// An incident opened by an Alertmanager group.
public struct AlertIncident: Sendable, Equatable {
    public var id: String
    public var groupKey: String?
    public var title: String
    public var payload: AlertmanagerPayload
    /// The body as received, for templates that read fields Inquest does not know.
    public var body: String
    public var createdAt: Date

    public init(id: String, groupKey: String?, title: String, payload: AlertmanagerPayload, body: String, createdAt: Date) {
        self.id = id
        self.groupKey = groupKey
        self.title = title
        self.payload = payload
        self.body = body
        self.createdAt = createdAt
    }
}

extension AlertIncident {
    /// The same incident as the group now reads.
    func with(_ payload: AlertmanagerPayload, body: String) -> AlertIncident {
        AlertIncident(id: id, groupKey: payload.groupKey, title: payload.title, payload: payload, body: body, createdAt: createdAt)
    }
}
