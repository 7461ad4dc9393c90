/// A PagerDuty Events API v2 event (`POST /v2/enqueue`), in the vendor's field names. Stored without
/// `routing_key`: the provider adds it when it sends, so no key is ever in the outbox.
struct PagerDutyEvent: Codable, Equatable {
    struct Payload: Codable, Equatable {
        var summary: String
        var source: String
        var severity: String
        var timestamp: String?
        var customDetails: CustomDetails

        enum CodingKeys: String, CodingKey {
            case summary, source, severity, timestamp
            case customDetails = "custom_details"
        }
    }

    struct CustomDetails: Codable, Equatable {
        var labels: [String: String]
        var annotations: [String: String]
        var alerts: Int
        var incidentID: String

        enum CodingKeys: String, CodingKey {
            case labels, annotations, alerts
            case incidentID = "incident_id"
        }
    }

    struct Link: Codable, Equatable {
        var href: String
        var text: String
    }

    var routingKey: String?
    var eventAction: String
    var dedupKey: String
    /// Only on `trigger`.
    var payload: Payload?
    var links: [Link]?
    var client: String?

    enum CodingKeys: String, CodingKey {
        case payload, links, client
        case routingKey = "routing_key"
        case eventAction = "event_action"
        case dedupKey = "dedup_key"
    }
}
