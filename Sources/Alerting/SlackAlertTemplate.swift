import Foundation
import Outbound
import WebhookIn

/// The alert notification posted for an Alertmanager incident (`config/slack_alert.mustache`), re-rendered in
/// place when it is acknowledged or resolved.
public struct SlackAlertTemplate: Sendable {
    /// What the message shows besides the alert itself.
    struct State {
        var incidentID: String
        var ackURL: String
        /// When on-call is paged unless someone acknowledges first.
        var escalatesAt: Date?
        var pagedAt: Date?
        var acknowledgedBy: String?
        var acknowledgedAt: Date?
        var resolvedAt: Date?
        /// Times the alert fired again after resolving.
        var firedAgain = 0
    }

    private let template: SlackMessageTemplate

    public init(path: String) throws(SlackMessageTemplate.Failure) {
        template = try SlackMessageTemplate(path: path, sample: Self.sample)
    }

    public init(text: String) throws(SlackMessageTemplate.Failure) {
        template = try SlackMessageTemplate(text: text, sample: Self.sample)
    }

    func render(body: String, state: State) throws(SlackMessageTemplate.RenderError) -> String {
        try template.render(Self.view(body: body, state: state))
    }

    /// Keys whose values are Inquest's state. A sender's top-level field of the same name is dropped, so an alert
    /// body cannot make a firing, unacknowledged alert read "Resolved … Acknowledged by alice".
    static let ownKeys: Set<String> = [
        "incident_id", "ack_url", "title", "alert_count", "escalates_at", "paged_at", "acknowledged_by",
        "acknowledged_at", "resolved_at", "open", "fired_again",
    ]

    /// The Alertmanager body as sent (so templates can read any field), plus Inquest's own keys. Documented in
    /// README ("Slack alert template").
    static func view(body: String, state: State) -> [String: Any] {
        var view = ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:])
            .filter { !ownKeys.contains($0.key) }
        let payload = try? JSONDecoder().decode(AlertmanagerPayload.self, from: Data(body.utf8))
        view["incident_id"] = state.incidentID
        view["ack_url"] = state.ackURL
        view["title"] = payload?.title ?? "Alert"
        // Alertmanager leaves out alerts beyond the receiver's `max_alerts` and counts them in `truncatedAlerts`.
        view["alert_count"] = (payload?.alerts?.count ?? 0) + (payload?.truncatedAlerts ?? 0)
        func time(_ date: Date?) -> String? {
            date.map { String($0.rfc3339.replacingOccurrences(of: "T", with: " ").prefix(19)) + " UTC" }
        }
        // Absent keys are false in a Mustache section; an empty string would not be.
        let extra: [String: Any?] = [
            "escalates_at": state.pagedAt == nil && state.acknowledgedAt == nil && state.resolvedAt == nil
                ? time(state.escalatesAt) : nil,
            "paged_at": time(state.pagedAt),
            "acknowledged_by": state.acknowledgedBy,
            "acknowledged_at": time(state.acknowledgedAt),
            "resolved_at": time(state.resolvedAt),
            "open": state.acknowledgedAt == nil && state.resolvedAt == nil ? true : nil,
            "fired_again": state.firedAgain > 0 ? state.firedAgain : nil,
        ]
        for case (let key, let value?) in extra { view[key] = value }
        if state.resolvedAt != nil { view["status"] = "resolved" }
        return view
    }

    private static var sample: [String: Any] {
        view(
        body: """
            {"version": "4", "status": "firing", "receiver": "inquest", "groupKey": "{}:{alertname=\\"HighErrorRate\\"}",
             "commonLabels": {"alertname": "HighErrorRate", "severity": "critical", "service": "checkout \\"quoted\\" <b>"},
             "commonAnnotations": {"summary": "Checkout 5xx above 5 %", "description": "Error rate is 7 %"},
             "externalURL": "http://alertmanager:9093",
             "alerts": [{"status": "firing", "labels": {"alertname": "HighErrorRate", "instance": "a:9100"},
                         "annotations": {"summary": "Checkout 5xx above 5 %"}, "startsAt": "2026-11-20T14:35:00Z",
                         "generatorURL": "http://prometheus:9090/graph"}]}
            """,
        state: .init(
            incidentID: "alert-sample", ackURL: "https://inquest.example.com/api/incidents/ack/alert-sample?token=t",
            escalatesAt: Date(timeIntervalSince1970: 1_795_185_600), acknowledgedBy: "sam",
            acknowledgedAt: Date(timeIntervalSince1970: 1_795_185_700)))
    }
}
