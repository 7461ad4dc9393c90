import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Outbound
import WebhookIn

/// The on-call providers an escalation pages through, behind the one outbound provider layer: PagerDuty Events
/// API v2 and incident.io HTTP alert events. Both deliver ``OncallEvent`` payloads to a named route.
public struct OncallProvider: OutboundProvider {
    public enum Kind: Sendable {
        /// `POST {events_url}` with the route's routing key added to the body.
        case pagerDuty(eventsURL: String, routingKeys: [String: Secret])
        /// `POST {base}/v2/alert_events/http/{alert_source_config_id}` with the alert source's bearer token.
        case incidentIO(baseURL: String, apiKey: Secret, sources: [String: String])
    }

    public let name: String
    private let kind: Kind
    private let http: ProviderHTTP
    /// 120 events a minute per routing key or alert source.
    private let limit = RateLimiter.Limit(perMinute: 120, burst: 10)

    public init(_ kind: Kind, client: HTTPClient, timeout: Duration) {
        self.kind = kind
        switch kind {
        case .pagerDuty: name = OncallEvent.Provider.pagerDuty.rawValue
        case .incidentIO: name = "incident_io_alerts"
        }
        http = ProviderHTTP(client: client, timeout: timeout)
    }

    /// The named routes, `default` first.
    public var routes: [String] {
        let names: [String]
        switch kind {
        case .pagerDuty(_, let keys): names = Array(keys.keys)
        case .incidentIO(_, _, let sources): names = Array(sources.keys)
        }
        return names.filter { $0 != "default" }.sorted()
    }

    public func rateLimit(for message: OutboxMessage) -> (key: String, limit: RateLimiter.Limit)? {
        ("\(name):\(message.target)", limit)
    }

    public func deliver(_ message: OutboxMessage) async -> DeliveryResult {
        guard let event = try? message.decodePayload(as: OncallEvent.self) else { return .rejected("unreadable payload") }
        let url: String
        var headers: [(String, String)] = []
        let data: Data
        switch kind {
        case .pagerDuty(let eventsURL, let keys):
            guard let key = keys[event.route] else { return .rejected("routing key \"\(event.route)\" is not configured") }
            guard var body = try? JSONDecoder().decode(PagerDutyEvent.self, from: Data(event.body.utf8)) else {
                return .rejected("unreadable PagerDuty event")
            }
            body.routingKey = key.reveal()
            guard let encoded = try? JSONEncoder().encode(body) else { return .rejected("cannot encode the event") }
            (url, data) = (eventsURL, encoded)
        case .incidentIO(let baseURL, let apiKey, let sources):
            guard let source = sources[event.route] else {
                return .rejected("alert source \"\(event.route)\" is not configured")
            }
            // Stored as it is sent: the source's token goes in a header.
            (url, data) = ("\(baseURL)/v2/alert_events/http/\(source)", Data(event.body.utf8))
            headers.append(("authorization", "Bearer \(apiKey.reveal())"))
        }
        switch await http.send(.POST, url, headers: headers, json: data) {
        case .failure(let failure):
            return failure.result
        case .success(let answer):
            return .judging(status: answer.status, headers: answer.headers, body: answer.body, describe: Self.describe)
        }
    }

    /// PagerDuty's `message` and `errors[]`, or incident.io's `errors[].message`.
    static func describe(_ body: ByteBuffer) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else { return nil }
        if let errors = object["errors"] as? [String] {
            return ([object["message"] as? String].compactMap { $0 } + errors).joined(separator: ": ")
        }
        return IncidentIOAPI.errors(body) ?? object["message"] as? String
    }
}
