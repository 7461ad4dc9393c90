import Foundation

extension InquestConfig {
    /// `metrics.prometheus`: where metric evidence comes from. Off while `url` is empty.
    public struct Prometheus: Sendable, Equatable {
        public var url: String
        public var bearerToken: SecretReference?
        public var basicUsername: String?
        public var basicPassword: SecretReference?
        public var timeoutSeconds = 5
        public var stepSeconds = 60
        /// Query templates by name, with `{{service}}` and `{{alias}}` placeholders.
        public var queries = Self.defaultQueries
        /// Per-service templates, replacing or adding to `queries` for that service.
        public var services: [String: [String: String]] = [:]

        public init(url: String) {
            self.url = url
        }

        /// The RED queries for services instrumented with the usual `http_requests_total` and
        /// `http_request_duration_seconds` metrics and a `service` label.
        public static let defaultQueries = [
            "error_ratio":
                #"sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{service}}"}[5m]))"#,
            "latency_p99":
                #"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}"}[5m])))"#,
            "throughput": #"sum(rate(http_requests_total{service="{{service}}"}[5m]))"#,
        ]
    }
}

/// `metrics:`
struct MetricsConfig: Decodable {
    var prometheus: InquestConfig.Prometheus?

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["prometheus"])
        prometheus = try section.optional("prometheus").flatMap { (value: PrometheusConfig) in value.settings }
    }
}

struct PrometheusConfig: Decodable {
    var settings: InquestConfig.Prometheus?

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "url", "bearer_token", "basic_username", "basic_password", "timeout_seconds", "step_seconds", "queries",
                "services",
            ])
        let url: String = try section("url", default: "")
        guard !url.isEmpty else { return }
        var settings = InquestConfig.Prometheus(url: try section.url("url", default: url))
        settings.bearerToken = try section.secret("bearer_token")
        settings.basicUsername = try section.optional("basic_username")
        settings.basicPassword = try section.secret("basic_password")
        guard (settings.basicUsername == nil) == (settings.basicPassword == nil) else {
            throw section.failure("basic_username", "basic_username and basic_password go together")
        }
        settings.timeoutSeconds = try section("timeout_seconds", default: settings.timeoutSeconds)
        settings.stepSeconds = try section("step_seconds", default: settings.stepSeconds)
        guard settings.timeoutSeconds >= 1 else { throw section.failure("timeout_seconds", "must be at least 1") }
        guard settings.stepSeconds >= 1 else { throw section.failure("step_seconds", "must be at least 1") }
        settings.queries = try section("queries", default: settings.queries)
        settings.services = try section("services", default: [:])
        self.settings = settings
    }
}
