import Foundation
import GRDB

/// One outbound message, as the outbox stores it.
public struct OutboxMessage: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, sending, sent, dead
    }

    public var id: Int64?
    /// `slack`, `incident_io`, `pagerduty`, …: which provider delivers it.
    public var provider: String
    /// What the provider does with it, e.g. `post_findings` or `timeline_item`.
    public var operation: String
    public var target: String
    public var dedupKey: String
    /// The provider's request, minus credentials.
    public var payload: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?
    public var lastError: String?
    /// Messages sharing a sequence are sent one after another in the order queued (an alert's page, its
    /// acknowledgement and its resolve; its Slack post and the edits of it); nil for messages with no order.
    public var sequence: String?

    public static let databaseTableName = "outbox_messages"
    // Unix seconds, like every table here (see `Date.unixTime`).
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, operation, target, payload, state, attempts
        case dedupKey = "dedup_key"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sentAt = "sent_at"
        case lastError = "last_error"
        case sequence = "sequence_key"
    }

    /// A message to enqueue now.
    public init(
        provider: String, operation: String, target: String, dedupKey: String, payload: some Encodable, sequence: String? = nil,
        at now: Date
    ) throws {
        self.sequence = sequence
        self.provider = provider
        self.operation = operation
        self.target = target
        self.dedupKey = dedupKey
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.payload = String(decoding: try encoder.encode(payload), as: UTF8.self)
        state = .pending
        attempts = 0
        nextAttemptAt = now
        createdAt = now
        updatedAt = now
    }

    /// The payload decoded as the provider's request type.
    public func decodePayload<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(payload.utf8))
    }
}
