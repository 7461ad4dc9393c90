/// A destination outbound messages are delivered to: Slack, the incident.io API, an on-call provider.
///
/// The dispatcher owns retries, backoff and rate limiting; a provider only turns one stored message into
/// requests and judges the answer. Credentials live in the provider, never in the message.
public protocol OutboundProvider: Sendable {
    /// The `provider` value of the messages it delivers.
    var name: String { get }
    /// The rate-limit bucket a message draws from, and that bucket's limit.
    func rateLimit(for message: OutboxMessage) -> (key: String, limit: RateLimiter.Limit)?
    func deliver(_ message: OutboxMessage) async -> DeliveryResult
}
