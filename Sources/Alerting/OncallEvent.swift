import Foundation
import Outbound
import WebhookIn

/// An on-call event as the outbox stores it: which named route it goes to, and the provider's JSON body without
/// credentials — the provider adds the routing key or picks the alert source when it sends.
public struct OncallEvent: Codable, Sendable, Equatable {
    public enum Provider: String, Codable, Sendable, CaseIterable {
        case pagerDuty = "pagerduty"
        case incidentIO = "incident_io"
    }

    public enum Action: String, Sendable {
        case trigger, acknowledge, resolve
    }

    /// `default`, or a name under `other_routing_keys` / `other_alert_source_config_ids`.
    public var route: String
    public var body: String

    /// The event for `action`, built from the alert. `dedup_key` is the incident id, stable for the incident's life,
    /// so repeated or resent events collapse onto one page.
    static func make(
        _ action: Action, provider: Provider, route: String, incidentID: String, title: String,
        payload: AlertmanagerPayload, details: Details, at now: Date
    ) -> OncallEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch provider {
        case .pagerDuty:
            var event = PagerDutyEvent(eventAction: action.rawValue, dedupKey: incidentID)
            if action == .trigger {
                let severityLabel = payload.value("severity")?.lowercased()
                // PagerDuty takes RFC 3339 only; another sender's `startsAt` in any other form is left out.
                let timestamp: String? =
                    switch payload.alerts?.first?.startsAt {
                    case nil: now.rfc3339
                    case let startsAt?: Date(rfc3339: startsAt) != nil ? startsAt : nil
                    }
                event.payload = .init(
                    summary: String(title.prefix(1024)), source: payload.receiver ?? payload.externalURL ?? "alertmanager",
                    severity: severityLabel.flatMap { details.pagerDutySeverities[$0] } ?? details.pagerDutyDefaultSeverity,
                    timestamp: timestamp,
                    customDetails: .init(
                        labels: payload.commonLabels ?? [:], annotations: payload.commonAnnotations ?? [:],
                        alerts: payload.alerts?.count ?? 0, incidentID: incidentID))
                event.links = Self.links(payload, incidentURL: details.incidentURL)
                event.client = "Inquest"
            }
            data = try? encoder.encode(event)
        case .incidentIO:
            var metadata = details.incidentIOMetadata.mapValues(JSONValue.string)
            for (name, value) in payload.commonLabels ?? [:] { metadata[name] = .string(value) }
            metadata["incident_id"] = .string(incidentID)
            metadata["data"] = .array(details.alerts)
            data = try? encoder.encode(
                IncidentIOAlertEvent(
                    title: "Incident \(incidentID): \(payload.value("alertname") ?? title)", deduplicationKey: incidentID,
                    status: action == .resolve ? "resolved" : "firing",
                    description: payload.value("description") ?? payload.value("summary") ?? title, metadata: metadata,
                    sourceURL: payload.externalURL ?? payload.alerts?.first?.generatorURL))
        }
        return OncallEvent(route: route, body: String(decoding: data ?? Data(), as: UTF8.self))
    }

    /// What a page needs besides the alert.
    struct Details {
        var incidentURL: String
        var pagerDutySeverities: [String: String]
        var pagerDutyDefaultSeverity: String
        var incidentIOMetadata: [String: String]
        /// The alerts as sent (`metadata.data` for incident.io).
        var alerts: [JSONValue]
    }

    private static func links(_ payload: AlertmanagerPayload, incidentURL: String) -> [PagerDutyEvent.Link] {
        var links = [PagerDutyEvent.Link(href: incidentURL, text: "Inquest incident")]
        if let url = payload.externalURL { links.append(.init(href: url, text: "Alertmanager")) }
        if let url = payload.alerts?.first?.generatorURL { links.append(.init(href: url, text: "Source")) }
        return links
    }
}
