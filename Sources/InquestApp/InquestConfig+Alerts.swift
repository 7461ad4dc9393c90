import Alerting
import Foundation
import Outbound
import WebhookIn

extension InquestConfig {
    /// `alert:`: the Alertmanager receiver (`POST /api/incidents`) and its Slack notifications.
    public struct Alert: Sendable, Equatable {
        /// How Alertmanager authenticates: its `http_config.authorization` bearer token and/or `basic_auth`.
        /// `auth: none` runs open (with a warning at startup); it is never the default.
        public enum Auth: Sendable, Equatable {
            case none
            case credentials(bearerToken: SecretReference?, basicUsername: String?, basicPassword: SecretReference?)
        }

        public var enabled = true
        /// A group that fires again this long after resolving reopens its incident (same page dedup key, same
        /// Slack message) instead of opening a new one.
        public var flapWindowMinutes = 60
        public var auth = Auth.credentials(bearerToken: .vault(name: "alertmanager-token"), basicUsername: nil, basicPassword: nil)
        public var slack = Slack()

        public struct Slack: Sendable, Equatable {
            public var enable = true
            /// The bot token (`xoxb-…`); unset keeps alerts out of Slack.
            public var token: SecretReference?
            public var apiBaseURL = "https://slack.com/api"
            public var channelID: String?
            /// Verifies the Acknowledge button's interaction requests; unset disables `/api/slack/interactions`.
            public var signingSecret: SecretReference?
            public var templatePath = "config/slack_alert.mustache"
            public init() {}
        }

        public init() {}
    }

    /// `oncall:`: who gets paged when nobody acknowledges an alert in time.
    public struct Oncall: Sendable, Equatable {
        public var enable = true
        public var waitMinutes = 3
        public var provider = OncallEvent.Provider.pagerDuty
        public var ackLinkTTLHours = 24
        public var pagerDuty = PagerDuty()
        public var incidentIO = IncidentIO()

        public struct PagerDuty: Sendable, Equatable {
            public var routingKey: SecretReference?
            public var eventsURL = "https://events.pagerduty.com/v2/enqueue"
            public var otherRoutingKeys: [String: SecretReference] = [:]
            /// The alert's `severity` label to PagerDuty's critical / error / warning / info.
            public var severityMap = ["critical": "critical", "error": "error", "warning": "warning", "info": "info"]
            public var defaultSeverity = "error"
            public init() {}
        }

        public struct IncidentIO: Sendable, Equatable {
            /// The HTTP alert source's own token.
            public var apiKey: SecretReference?
            public var apiBaseURL = "https://api.incident.io"
            public var alertSourceConfigID: String?
            public var otherAlertSourceConfigIDs: [String: String] = [:]
            public var metadata: [String: String] = [:]
            public init() {}
        }

        public init() {}
    }
}

extension InquestConfig.Alert: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["enabled", "flap_window_minutes", "auth", "slack"])
        enabled = try section("enabled", default: true)
        flapWindowMinutes = try section("flap_window_minutes", default: 60)
        guard flapWindowMinutes >= 0 else { throw section.failure("flap_window_minutes", "is 0 or more minutes") }
        if let mode: String = try? section.optional("auth") {
            guard mode == "none" else { throw section.failure("auth", "is `none` or a mapping with bearer_token / basic_username and basic_password") }
            auth = .none
        } else if section.contains("auth") {
            let credentials: AuthConfig = try section("auth", default: AuthConfig())
            auth = .credentials(
                bearerToken: credentials.bearerToken, basicUsername: credentials.basicUsername,
                basicPassword: credentials.basicPassword)
        }
        slack = try section("slack", default: Slack())
    }

    struct AuthConfig: Decodable {
        var bearerToken: SecretReference?
        var basicUsername: String?
        var basicPassword: SecretReference?

        init() {}

        init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: ["bearer_token", "basic_username", "basic_password"])
            bearerToken = try section.secret("bearer_token")
            basicUsername = try section.optional("basic_username").flatMap { (name: String) in name.isEmpty ? nil : name }
            basicPassword = try section.secret("basic_password")
            if (basicUsername == nil) != (basicPassword == nil) {
                throw section.failure("basic_password", "basic auth needs both basic_username and basic_password")
            }
        }
    }
}

extension InquestConfig.Alert.Slack: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["enable", "token", "api_base_url", "channel_id", "signing_secret", "template_path"])
        let defaults = Self()
        enable = try section("enable", default: defaults.enable)
        token = try section.secret("token")
        apiBaseURL = try section.url("api_base_url", default: defaults.apiBaseURL)
        channelID = try section.optional("channel_id").flatMap { (id: String) in id.isEmpty ? nil : id }
        signingSecret = try section.secret("signing_secret")
        templatePath = try section("template_path", default: defaults.templatePath)
    }
}

extension InquestConfig.Oncall: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["enable", "wait_minutes", "provider", "ack_link_ttl_hours", "pagerduty", "incident_io"])
        let defaults = Self()
        enable = try section("enable", default: defaults.enable)
        waitMinutes = try section("wait_minutes", default: defaults.waitMinutes)
        guard (0...1440).contains(waitMinutes) else { throw section.failure("wait_minutes", "must be from 0 to 1440") }
        provider = try section.choice("provider", default: defaults.provider)
        ackLinkTTLHours = try section("ack_link_ttl_hours", default: defaults.ackLinkTTLHours)
        guard ackLinkTTLHours >= 1 else { throw section.failure("ack_link_ttl_hours", "must be at least 1") }
        pagerDuty = try section("pagerduty", default: PagerDuty())
        incidentIO = try section("incident_io", default: IncidentIO())
    }
}

extension InquestConfig.Oncall.PagerDuty: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["routing_key", "events_url", "other_routing_keys", "severity_map", "default_severity"])
        let defaults = Self()
        routingKey = try section.secret("routing_key")
        eventsURL = try section.url("events_url", default: defaults.eventsURL)
        otherRoutingKeys = try section.secretMap("other_routing_keys")
        let severities = ["critical", "error", "warning", "info"]
        if let map: [String: String] = try section.optional("severity_map") {
            for (label, severity) in map where !severities.contains(severity) {
                throw ConfigError.invalidValue(
                    file: section.file, path: section.path("severity_map.\(label)"), value: severity, allowed: severities)
            }
            severityMap = Dictionary(uniqueKeysWithValues: map.map { ($0.key.lowercased(), $0.value) })
        }
        defaultSeverity = try section("default_severity", default: defaults.defaultSeverity)
        guard severities.contains(defaultSeverity) else {
            throw ConfigError.invalidValue(
                file: section.file, path: section.path("default_severity"), value: defaultSeverity, allowed: severities)
        }
    }
}

extension InquestConfig.Oncall.IncidentIO: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: ["api_key", "api_base_url", "alert_source_config_id", "other_alert_source_config_ids", "metadata"])
        let defaults = Self()
        apiKey = try section.secret("api_key")
        apiBaseURL = try section.url("api_base_url", default: defaults.apiBaseURL)
        alertSourceConfigID = try section.optional("alert_source_config_id").flatMap { (id: String) in id.isEmpty ? nil : id }
        otherAlertSourceConfigIDs = try section("other_alert_source_config_ids", default: [String: String]()).filter {
            !$0.value.isEmpty
        }
        metadata = try section("metadata", default: defaults.metadata)
    }
}
