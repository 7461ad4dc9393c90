import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Synchronization
import WebhookIn

/// The incident.io API as Inquest uses it: timeline items or incident updates for findings (with the
/// attachment fallback), and reading an incident back (its Slack channel, a private incident's details).
public final class IncidentIOAPI: OutboundProvider, IncidentReader {
    public struct Settings: Sendable {
        public var apiKey: Secret
        public var baseURL: String
        /// 1,200 requests/min per key (a bucket refilling 20/s).
        public var limit = RateLimiter.Limit(perMinute: 1200, burst: 60)

        public init(apiKey: Secret, baseURL: String = "https://api.incident.io") {
            self.apiKey = apiKey
            self.baseURL = baseURL
        }
    }

    /// `timeline_item` payload: the timeline entry, and the page to attach if the account has no timeline API.
    public struct TimelineItem: Codable, Sendable, Equatable {
        public var incidentID: String
        public var idempotencyKey: String
        public var title: String
        public var timestamp: String
        public var description: String
        public var pageURL: String
        /// Only the entry that closes an investigation attaches the page when falling back, so the incident
        /// gets one attachment, not three.
        public var attachOnFallback: Bool

        public init(
            incidentID: String, idempotencyKey: String, title: String, timestamp: String, description: String,
            pageURL: String, attachOnFallback: Bool
        ) {
            self.incidentID = incidentID
            self.idempotencyKey = idempotencyKey
            self.title = title
            self.timestamp = timestamp
            self.description = description
            self.pageURL = pageURL
            self.attachOnFallback = attachOnFallback
        }

        enum CodingKeys: String, CodingKey {
            case title, timestamp, description
            case incidentID = "incident_id"
            case idempotencyKey = "idempotency_key"
            case pageURL = "page_url"
            case attachOnFallback = "attach_on_fallback"
        }
    }

    /// `incident_update` payload, and the page to attach if the account has no incident updates API.
    public struct IncidentUpdate: Codable, Sendable, Equatable {
        public var incidentID: String
        public var idempotencyKey: String
        public var message: String
        /// Nil in messages queued before the fallback existed.
        public var pageURL: String?

        public init(incidentID: String, idempotencyKey: String, message: String, pageURL: String?) {
            self.incidentID = incidentID
            self.idempotencyKey = idempotencyKey
            self.message = message
            self.pageURL = pageURL
        }

        enum CodingKeys: String, CodingKey {
            case message
            case incidentID = "incident_id"
            case idempotencyKey = "idempotency_key"
            case pageURL = "page_url"
        }
    }

    /// Why reading an incident failed.
    public typealias Failure = IncidentReadFailure

    public let name = "incident_io"
    private let settings: Settings
    private let http: ProviderHTTP
    private let logger: Logger
    private let fallbackLogged = Mutex(false)

    public init(settings: Settings, client: HTTPClient, timeout: Duration, logger: Logger) {
        self.settings = settings
        self.http = ProviderHTTP(client: client, timeout: timeout)
        self.logger = logger
    }

    public func rateLimit(for message: OutboxMessage) -> (key: String, limit: RateLimiter.Limit)? {
        ("incident_io_api", settings.limit)
    }

    public func deliver(_ message: OutboxMessage) async -> DeliveryResult {
        do {
            switch message.operation {
            case "timeline_item":
                return try await timelineItem(message.decodePayload(as: TimelineItem.self))
            case "incident_update":
                return try await incidentUpdate(message.decodePayload(as: IncidentUpdate.self))
            default:
                return .rejected("unknown incident.io operation \(message.operation)")
            }
        } catch {
            return .rejected("unreadable payload: \(error)")
        }
    }

    /// The incident as incident.io has it now.
    public func incident(id: String) async throws(Failure) -> IncidentIOIncident {
        let path = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
        switch await http.send(.GET, settings.baseURL + "/v2/incidents/" + path, headers: auth, json: nil) {
        case .failure(let failure):
            throw .unavailable("\(failure.result)")
        case .success(let answer) where answer.status.code == 200:
            struct Envelope: Decodable { var incident: IncidentIOIncident }
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(buffer: answer.body)) else {
                throw .unavailable("GET /v2/incidents/\(id): unexpected body")
            }
            return envelope.incident
        case .success(let answer):
            throw .status(Int(answer.status.code), Self.errors(answer.body) ?? "")
        }
    }

    private func timelineItem(_ item: TimelineItem) async -> DeliveryResult {
        struct Body: Encodable {
            var incident_id, idempotency_key, title, timestamp, description: String
        }
        let result = await post(
            "/v2/incident_timeline_items",
            Body(
                incident_id: item.incidentID, idempotency_key: item.idempotencyKey, title: item.title,
                timestamp: item.timestamp, description: item.description))
        guard case .rejected(let reason) = result, reason.hasPrefix("HTTP 404") else { return result }
        logFallbackOnce("timeline items")
        guard item.attachOnFallback else { return .sent }
        return await attach(item.pageURL, to: item.incidentID)
    }

    private func incidentUpdate(_ update: IncidentUpdate) async -> DeliveryResult {
        struct Body: Encodable {
            var incident_id, idempotency_key, message: String
        }
        let result = await post(
            "/v2/incident_updates",
            Body(incident_id: update.incidentID, idempotency_key: update.idempotencyKey, message: update.message))
        guard case .rejected(let reason) = result, reason.hasPrefix("HTTP 404"), let page = update.pageURL else {
            return result
        }
        logFallbackOnce("incident updates")
        return await attach(page, to: update.incidentID)
    }

    /// Accounts whose API predates an endpoint answer 404; said once per process, not per message.
    private func logFallbackOnce(_ endpoint: String) {
        if !fallbackLogged.withLock({ logged in defer { logged = true }; return logged }) {
            logger.warning("incident.io \(endpoint) API answered 404; attaching the investigation page instead")
        }
    }

    private func attach(_ pageURL: String, to incidentID: String) async -> DeliveryResult {
        struct Attachment: Encodable {
            struct Resource: Encodable { var resource_type = "arbitrary_url", url, title: String }
            var incident_id: String
            var resource: Resource
        }
        return await post(
            "/v1/incident_attachments",
            Attachment(incident_id: incidentID, resource: .init(url: pageURL, title: "Inquest investigation")))
    }

    private var auth: [(String, String)] { [("authorization", "Bearer \(settings.apiKey.reveal())")] }

    private func post(_ path: String, _ body: some Encodable) async -> DeliveryResult {
        guard let data = try? JSONEncoder().encode(body) else { return .rejected("cannot encode the request") }
        switch await http.send(.POST, settings.baseURL + path, headers: auth, json: data) {
        case .failure(let failure):
            return failure.result
        case .success(let answer):
            return .judging(status: answer.status, headers: answer.headers, body: answer.body, describe: Self.errors)
        }
    }

    /// incident.io's `errors[].message`, joined.
    package static func errors(_ body: ByteBuffer) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else { return nil }
        let messages = (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        return messages.isEmpty ? object["type"] as? String : messages.joined(separator: "; ")
    }
}
