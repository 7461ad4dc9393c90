import WebhookIn

/// An event for an incident.io HTTP alert source (`POST /v2/alert_events/http/{config_id}`), in the vendor's field
/// names. The source's token goes in the request's header, never in the body.
struct IncidentIOAlertEvent: Codable, Equatable {
    var title: String
    var deduplicationKey: String
    /// `firing` or `resolved`.
    var status: String
    var description: String
    /// Static metadata, the alert's labels, the incident id, and `data`: the alerts as Alertmanager sent them.
    var metadata: [String: JSONValue]
    var sourceURL: String?

    enum CodingKeys: String, CodingKey {
        case title, status, description, metadata
        case deduplicationKey = "deduplication_key"
        case sourceURL = "source_url"
    }
}
