import Foundation
import WebhookIn

/// When a failed message is tried again, and when it is given up.
///
/// Exponential backoff with full jitter (a random delay between zero and `base × 2^(n-1)`, at most `cap`), so a
/// provider recovering from an outage is not hit by every queued message at once. A provider's `Retry-After`
/// wins over the computed delay.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 10
    public var maxAge: Duration = .seconds(24 * 3600)
    public var base: Duration = .seconds(2)
    public var cap: Duration = .seconds(600)
    /// A number in `0..<1`; injected so tests can pin it.
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    public init() {}

    /// The delay after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return retryAfter }
        let ceiling = min(cap.seconds, base.seconds * pow(2, Double(max(attempt, 1) - 1)))
        return .milliseconds(Int64(random() * ceiling * 1000))
    }

    /// Whether a message that failed its `attempts`-th time, created at `createdAt`, gets another try.
    public func allowsRetry(attempts: Int, createdAt: Date, now: Date) -> Bool {
        attempts < maxAttempts && isYoung(createdAt: createdAt, now: now)
    }

    /// Whether a message created at `createdAt` is still within `maxAge`, the only limit on waiting.
    public func isYoung(createdAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(createdAt) < maxAge.seconds
    }
}
