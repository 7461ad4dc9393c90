import Foundation
import Logging
import WebhookIn

/// `config/inquest.yaml`, decoded and validated. Secrets are still references here; they are resolved once,
/// at startup, by ``SecretResolver``.
public struct InquestConfig: Sendable, Equatable {
    public var name = "inquest"
    public var host = "0.0.0.0"
    public var port = 3000
    /// The address people and providers reach Inquest at, for links in messages.
    public var publicHost = "http://localhost:3000"
    /// The SQLite database file; its folder is created if missing.
    public var database = "data/inquest.sqlite"
    public var logLevel = Logger.Level.info
    /// Where `vault://secrets/NAME` is read from in development (`<vault_dev_path>/secrets/NAME`).
    public var vaultDevPath = "vault-dev"
    public var integrations = Integrations()

    public init() {}

    public struct Integrations: Sendable, Equatable {
        public var incidentIO = IncidentIO()
        public init() {}
    }

    public struct IncidentIO: Sendable, Equatable {
        public var enabled = true
        /// One reference, or several during a rotation.
        public var webhookSecrets: [SecretReference] = [.vault(name: "incident-io-webhook-secret")]
        public var policy = InvestigationPolicy()
        public init() {}
    }
}

extension InquestConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: ["name", "host", "port", "public_host", "database", "log_level", "vault_dev_path", "integrations"])
        let defaults = InquestConfig()
        name = try section("name", default: defaults.name)
        host = try section("host", default: defaults.host)
        port = try section("port", default: defaults.port)
        guard (0...65535).contains(port) else { throw section.failure("port", "must be between 0 and 65535") }
        publicHost = try section("public_host", default: defaults.publicHost)
        guard let url = URL(string: publicHost), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw section.failure("public_host", "must be an http(s) URL such as https://inquest.example.com")
        }
        publicHost = publicHost.hasSuffix("/") ? String(publicHost.dropLast()) : publicHost
        database = try section("database", default: defaults.database)
        logLevel = try section.choice("log_level", default: defaults.logLevel)
        vaultDevPath = try section("vault_dev_path", default: defaults.vaultDevPath)
        integrations = try section("integrations", default: defaults.integrations)
    }
}

extension InquestConfig.Integrations: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["incident_io"])
        incidentIO = try section("incident_io", default: .init())
    }
}

extension InquestConfig.IncidentIO: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "enabled", "webhook_secret", "auto_investigate", "severity_threshold", "skip_low_severity",
                "severity_map", "default_priority", "investigate_test_incidents",
            ])
        let defaults = InvestigationPolicy()
        enabled = try section("enabled", default: true)
        if section.contains("webhook_secret") { webhookSecrets = try section.secrets("webhook_secret") }
        if enabled, webhookSecrets.isEmpty {
            throw section.failure(
                "webhook_secret", "is required while incident_io is enabled (for example vault://secrets/NAME)")
        }

        var severityMap = defaults.severityMap
        if let raw: [String: String] = try section.optional("severity_map") {
            severityMap = [:]
            for (name, value) in raw {
                guard let priority = Priority(rawValue: value.uppercased()) else {
                    throw ConfigError.invalidValue(
                        file: section.file, path: section.path("severity_map.\(name)"), value: value,
                        allowed: Priority.allCases.map(\.rawValue))
                }
                severityMap[name.lowercased()] = priority
            }
        }
        let names = severityMap.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
        let thresholdName: String = try section("severity_threshold", default: "medium")
        guard let threshold = severityMap[thresholdName.lowercased()] else {
            throw ConfigError.invalidValue(
                file: section.file, path: section.path("severity_threshold"), value: thresholdName, allowed: names)
        }
        policy = InvestigationPolicy(
            severityMap: severityMap,
            defaultPriority: try section.choice("default_priority", default: defaults.defaultPriority),
            threshold: threshold,
            autoInvestigate: try section("auto_investigate", default: defaults.autoInvestigate),
            skipLowSeverity: try section("skip_low_severity", default: defaults.skipLowSeverity),
            investigateTestIncidents: try section(
                "investigate_test_incidents", default: defaults.investigateTestIncidents))
    }
}
