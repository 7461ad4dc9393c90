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
        var body: [String: Any]
        switch provider {
        case .pagerDuty:
            body = ["event_action": action.rawValue, "dedup_key": incidentID]
            if action == .trigger {
                let severityLabel = payload.value("severity")?.lowercased()
                var event: [String: Any] = [
                    "summary": String(title.prefix(1024)),
                    "source": payload.receiver ?? payload.externalURL ?? "alertmanager",
                    "severity": severityLabel.flatMap { details.pagerDutySeverities[$0] } ?? details.pagerDutyDefaultSeverity,
                    "custom_details": [
                        "labels": payload.commonLabels ?? [:], "annotations": payload.commonAnnotations ?? [:],
                        "alerts": payload.alerts?.count ?? 0, "incident_id": incidentID,
                    ] as [String: Any],
                ]
                // PagerDuty takes RFC 3339 only; another sender's `startsAt` in any other form is left out.
                switch payload.alerts?.first?.startsAt {
                case nil: event["timestamp"] = now.rfc3339
                case let startsAt?: if Date(rfc3339: startsAt) != nil { event["timestamp"] = startsAt }
                }
                body["payload"] = event
                body["links"] = Self.links(payload, incidentURL: details.incidentURL)
                body["client"] = "Inquest"
            }
        case .incidentIO:
            var metadata = details.incidentIOMetadata
            for (name, value) in payload.commonLabels ?? [:] { metadata[name] = value }
            metadata["incident_id"] = incidentID
            metadata["data"] = (details.alerts as [Any])
            body = [
                "title": "Incident \(incidentID): \(payload.value("alertname") ?? title)",
                "deduplication_key": incidentID,
                "status": action == .resolve ? "resolved" : "firing",
                "description": payload.value("description") ?? payload.value("summary") ?? title,
                "metadata": metadata,
            ]
            if let url = payload.externalURL ?? payload.alerts?.first?.generatorURL { body["source_url"] = url }
        }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return OncallEvent(route: route, body: String(decoding: data, as: UTF8.self))
    }

    /// What a page needs besides the alert.
    struct Details {
        var incidentURL: String
        var pagerDutySeverities: [String: String]
        var pagerDutyDefaultSeverity: String
        var incidentIOMetadata: [String: Any]
        /// The alerts as sent (`metadata.data` for incident.io).
        var alerts: [Any]
    }

    private static func links(_ payload: AlertmanagerPayload, incidentURL: String) -> [[String: String]] {
        var links = [["href": incidentURL, "text": "Inquest incident"]]
        if let url = payload.externalURL { links.append(["href": url, "text": "Alertmanager"]) }
        if let url = payload.alerts?.first?.generatorURL { links.append(["href": url, "text": "Source"]) }
        return links
    }
}
