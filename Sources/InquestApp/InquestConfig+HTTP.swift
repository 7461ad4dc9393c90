import Foundation

extension InquestConfig {
    /// Limits that keep an internet-facing listener answering under slow, idle or oversized clients.
    public struct HTTP: Sendable, Equatable {
        /// A connection that sends nothing for this long — while sending headers, a body, or between requests —
        /// is closed, as nginx's `client_header_timeout`/`client_body_timeout`/`keepalive_timeout` do.
        public var idleTimeoutSeconds = 60.0
        /// Connections accepted at once; further clients wait in the listen backlog. Also capped below the
        /// process's open-file limit, so the database and outbound calls always have descriptors left.
        public var maxConnections = 1024
        /// Request bodies being received at once, in bytes (a body counts its `Content-Length`, or the largest
        /// body any route takes when it has none). Past it, new requests answer 503 with `Retry-After`.
        public var maxBodyBytesInFlight = 64 << 20
        public init() {}
    }
}

extension InquestConfig.HTTP: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["idle_timeout_seconds", "max_connections", "max_body_bytes_in_flight"])
        let defaults = Self()
        idleTimeoutSeconds = try section("idle_timeout_seconds", default: defaults.idleTimeoutSeconds)
        maxConnections = try section("max_connections", default: defaults.maxConnections)
        maxBodyBytesInFlight = try section("max_body_bytes_in_flight", default: defaults.maxBodyBytesInFlight)
        guard idleTimeoutSeconds > 0 else { throw section.failure("idle_timeout_seconds", "must be positive") }
        guard maxConnections >= 1 else { throw section.failure("max_connections", "must be at least 1") }
        guard maxBodyBytesInFlight >= RequestBodyBudget.largestBody else {
            throw section.failure(
                "max_body_bytes_in_flight", "must be at least \(RequestBodyBudget.largestBody) (the largest body a route takes)")
        }
    }

    /// `maxConnections`, lowered to leave 64 descriptors of the open-file limit for everything else.
    var effectiveMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int32.max) else {
            return maxConnections
        }
        return max(1, min(maxConnections, Int(limit.rlim_cur) - 64))
    }
}
