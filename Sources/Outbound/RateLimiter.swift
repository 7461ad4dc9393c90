import Foundation
import Synchronization

/// Token buckets per destination, so a storm of messages becomes a queue instead of a wall of 429s.
///
/// Each key (a Slack channel, an incident.io API key, a PagerDuty routing key…) holds up to `burst` tokens and
/// refills at `perMinute`. A message that finds its bucket empty is not sent and not failed: it waits for the time
/// the next token arrives.
public final class RateLimiter: Sendable {
    public struct Limit: Sendable, Equatable {
        public var perMinute: Double
        public var burst: Double

        public init(perMinute: Double, burst: Double) {
            self.perMinute = perMinute
            self.burst = burst
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    public init() {}

    /// Takes a token for `key`, or returns how long until one is available.
    public func acquire(_ key: String, limit: Limit, now: Date) -> Duration? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: limit.burst, updated: now)
            let refill = max(0, now.timeIntervalSince(bucket.updated)) * limit.perMinute / 60
            bucket.tokens = min(limit.burst, bucket.tokens + refill)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                let wait = (1 - bucket.tokens) * 60 / limit.perMinute
                return .milliseconds(Int64((wait * 1000).rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }
}
