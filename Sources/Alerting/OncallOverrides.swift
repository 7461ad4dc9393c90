import Outbound
import WebhookIn

/// What one Alertmanager request asks of on-call, from its query string. Each value overrides the configuration
/// for that request only; names must be ones configured, so a URL can never point a page at an arbitrary key.
public struct OncallOverrides: Sendable, Equatable {
    public var enable: Bool?
    /// 0 pages at once.
    public var waitMinutes: Int?
    /// A name under `oncall.pagerduty.other_routing_keys`.
    public var pagerDutyRoutingKey: String?
    /// A name under `oncall.incident_io.other_alert_source_config_ids`.
    public var incidentIOAlertSource: String?

    /// A query value that cannot be used; the description is the 400 answer.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(enable: Bool? = nil, waitMinutes: Int? = nil, pagerDutyRoutingKey: String? = nil, incidentIOAlertSource: String? = nil) {
        self.enable = enable
        self.waitMinutes = waitMinutes
        self.pagerDutyRoutingKey = pagerDutyRoutingKey
        self.incidentIOAlertSource = incidentIOAlertSource
    }

    /// Reads the overrides from query parameters, checking names against the configured ones.
    public init(query: [String: String], routes: OncallRoutes) throws(Invalid) {
        if let value = query["oncall_enable"] {
            switch value.lowercased() {
            case "true", "1", "yes": enable = true
            case "false", "0", "no": enable = false
            default: throw Invalid(description: "oncall_enable must be true or false, not \"\(value)\"")
            }
            if enable == true, !routes.canPage {
                throw Invalid(description: "oncall_enable=true, but no on-call provider is configured (oncall.provider and its key)")
            }
        }
        if let value = query["oncall_wait_minutes"] {
            guard let minutes = Int(value), (0...1440).contains(minutes) else {
                throw Invalid(description: "oncall_wait_minutes must be a whole number of minutes from 0 to 1440, not \"\(value)\"")
            }
            waitMinutes = minutes
        }
        func name(_ parameter: String, among names: [String], configuredAt path: String) throws(Invalid) -> String? {
            guard let value = query[parameter] else { return nil }
            guard names.contains(value) else {
                let known = names.isEmpty ? "none are configured" : "configured: " + names.sorted().joined(separator: ", ")
                throw Invalid(description: "\(parameter) \"\(value)\" is not a name under \(path) (\(known))")
            }
            return value
        }
        pagerDutyRoutingKey = try name(
            "pagerduty_other_routing_key", among: routes.pagerDutyRoutingKeys, configuredAt: "oncall.pagerduty.other_routing_keys")
        incidentIOAlertSource = try name(
            "incidentio_other_alert_source", among: routes.incidentIOAlertSources,
            configuredAt: "oncall.incident_io.other_alert_source_config_ids")
    }
}

/// The named routes a request may pick.
public struct OncallRoutes: Sendable, Equatable {
    /// Whether an on-call provider is configured at all.
    public var canPage: Bool
    public var pagerDutyRoutingKeys: [String]
    public var incidentIOAlertSources: [String]

    public init(canPage: Bool = false, pagerDutyRoutingKeys: [String] = [], incidentIOAlertSources: [String] = []) {
        self.canPage = canPage
        self.pagerDutyRoutingKeys = pagerDutyRoutingKeys
        self.incidentIOAlertSources = incidentIOAlertSources
    }
}
