import Foundation
import Hummingbird
import WebhookIn

/// The admin view of the outbox: `GET /api/outbox?state=dead`, `POST /api/outbox/{id}/retry`. Needs the admin
/// token; without one configured, the routes answer 403.
public struct OutboxController: Sendable {
    private let outbox: Outbox
    private let adminToken: BearerToken?
    private let now: @Sendable () -> Date

    public init(outbox: Outbox, adminToken: BearerToken?, now: @escaping @Sendable () -> Date) {
        self.outbox = outbox
        self.adminToken = adminToken
        self.now = now
    }

    /// What the API shows of a message: everything but the payload.
    struct View: Encodable {
        var id: Int64?
        var provider, operation, target, state: String
        var dedupKey: String
        var attempts: Int
        var nextAttemptAt, createdAt: String
        var sentAt, lastError: String?

        init(_ message: OutboxMessage) {
            id = message.id
            provider = message.provider
            operation = message.operation
            target = message.target
            state = message.state.rawValue
            dedupKey = message.dedupKey
            attempts = message.attempts
            nextAttemptAt = message.nextAttemptAt.rfc3339
            createdAt = message.createdAt.rfc3339
            sentAt = message.sentAt?.rfc3339
            lastError = message.lastError
        }

        enum CodingKeys: String, CodingKey {
            case id, provider, operation, target, state, attempts
            case dedupKey = "dedup_key"
            case nextAttemptAt = "next_attempt_at"
            case createdAt = "created_at"
            case sentAt = "sent_at"
            case lastError = "last_error"
        }
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.get("/api/outbox") { request, _ in
            try authorize(request)
            var state: OutboxMessage.State?
            if let raw = request.uri.queryParameters["state"] {
                guard let parsed = OutboxMessage.State(rawValue: String(raw)) else {
                    throw HTTPError(
                        .badRequest,
                        message: "state must be one of \(OutboxMessage.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? 100
            guard (1...1000).contains(limit) else { throw HTTPError(.badRequest, message: "limit must be 1…1000") }
            let messages = try await outbox.list(state: state, limit: limit)
            return try jsonResponse(["messages": messages.map(View.init)], status: .ok)
        }
        router.post("/api/outbox/{id}/retry") { request, context in
            try authorize(request)
            let id = try context.parameters.require("id", as: Int64.self)
            guard try await outbox.retry(id, now: now()) else {
                throw HTTPError(.conflict, message: "outbox message \(id) does not exist or is not dead")
            }
            return try jsonResponse(["status": "queued"], status: .ok)
        }
    }

    private func authorize(_ request: Request) throws {
        guard let adminToken else { throw HTTPError(.forbidden, message: "no admin_token is configured") }
        guard adminToken.accepts(request.headers) else {
            throw HTTPError(.unauthorized, message: "missing or wrong admin bearer token")
        }
    }
}
