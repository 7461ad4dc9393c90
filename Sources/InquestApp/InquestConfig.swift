import ChangeSources
import Foundation
import Investigation
import Logging
import Outbound
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
    /// Bearer token for the admin API (`/api/outbox`) and for opening any investigation page; unset disables both.
    public var adminToken: SecretReference? = .vault(name: "admin-token")
    /// Bearer token for reading findings, incidents and the change log over the API (the admin token works too).
    public var readToken: SecretReference? = .vault(name: "read-token")
    /// Signs the tokens in investigation page links.
    public var linkSigningKey: SecretReference = .vault(name: "link-signing-key")
    public var integrations = Integrations()
    public var alert = Alert()
    public var oncall = Oncall()
    public var outbound = Outbound()
    public var changes = Changes()
    public var correlation = CorrelationSettings()
    /// A YAML file whose keys replace the built-in correlation vocabulary's lists (`inquest vocabulary` prints them).
    public var vocabularyPath: String?
    public var investigations = InvestigationWorker.Settings()
    public var http = HTTP()
    /// Metric evidence for investigations; nil leaves it off.
    public var prometheus: Prometheus?
    public var services: [ServiceCatalog.Service] = []

    public init() {}

    public struct Changes: Sendable, Equatable {
        /// Bearer token `POST /api/changes` requires; unset disables ingest over HTTP.
        public var ingestToken: SecretReference? = .vault(name: "changes-ingest-token")
        public var retentionDays = 30
        /// The PagerDuty change event custom-details key that names the service, when `payload.source` does not.
        public var pagerDutyServiceKey = "service"
        /// The change tools whose webhooks are received at `POST /api/changes/<source>`, by name.
        public var sources: [String: ChangeSourceSettings] = [:]
        public init() {}
    }

    /// `changes.sources.<source>`: the secrets a tool signs with, and which service each of its subjects is.
    public struct ChangeSourceSettings: Sendable, Equatable {
        /// Several during a rotation.
        public var secrets: [SecretReference] = []
        /// Repository, application, workspace or flag → catalog service (and environment), where the names differ.
        public var services: [String: ServiceMapping.Target] = [:]
        public init(secrets: [SecretReference] = [], services: [String: ServiceMapping.Target] = [:]) {
            self.secrets = secrets
            self.services = services
        }
    }

    public struct Integrations: Sendable, Equatable {
        public var incidentIO = IncidentIO()
        public var slack = Slack()
        public init() {}
    }

    public struct IncidentIO: Sendable, Equatable {
        public enum WriteBackMode: String, Sendable, CaseIterable {
            case timeline, update, none
        }

        public var enabled = true
        /// One reference, or several during a rotation.
        public var webhookSecrets: [SecretReference] = [.vault(name: "incident-io-webhook-secret")]
        public var policy = InvestigationPolicy()
        /// The API key for write-back and for reading incidents; unset turns both off.
        public var apiKey: SecretReference?
        public var apiBaseURL = "https://api.incident.io"
        public var writeBack = WriteBackMode.timeline
        public var timelineEntryTypes = FindingsOutbox.TimelineEntryType.allCases
        public init() {}
    }

    public struct Slack: Sendable, Equatable {
        /// The bot token (`xoxb-…`); unset turns Slack off.
        public var token: SecretReference?
        public var apiBaseURL = "https://slack.com/api"
        /// For incidents without a Slack channel of their own.
        public var defaultChannelID: String?
        /// False keeps findings out of Slack.
        public var postToChannel = true
        public var templatePath = "config/slack_findings.mustache"
        public init() {}
    }

    /// The outbox dispatcher and the HTTP client every provider shares.
    public struct Outbound: Sendable, Equatable {
        public var concurrency = 4
        public var maxAttempts = 10
        public var maxAgeHours = 24
        public var connectTimeoutSeconds = 5
        public var requestTimeoutSeconds = 15
        public init() {}
    }
}

extension InquestConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "name", "host", "port", "public_host", "database", "log_level", "vault_dev_path", "admin_token",
                "link_signing_key", "integrations", "alert", "oncall", "outbound", "changes", "correlation", "investigations", "services",
                "http", "read_token", "metrics",
            ])
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
        adminToken = section.contains("admin_token") ? try section.secret("admin_token") : defaults.adminToken
        linkSigningKey = try section.secret("link_signing_key") ?? defaults.linkSigningKey
        integrations = try section("integrations", default: defaults.integrations)
        alert = try section("alert", default: defaults.alert)
        oncall = try section("oncall", default: defaults.oncall)
        outbound = try section("outbound", default: defaults.outbound)
        changes = try section("changes", default: defaults.changes)
        http = try section("http", default: defaults.http)
        prometheus = try section.optional("metrics").flatMap { (value: MetricsConfig) in value.prometheus }
        readToken = section.contains("read_token") ? try section.secret("read_token") : defaults.readToken
        let correlationConfig: CorrelationConfig? = try section.optional("correlation")
        correlation = correlationConfig?.settings ?? defaults.correlation
        vocabularyPath = correlationConfig?.vocabularyPath
        investigations =
            try section.optional("investigations").map { (value: WorkerConfig) in value.settings }
            ?? defaults.investigations
        if let catalog: [String: ServiceConfig] = try section.optional("services") {
            services = catalog.sorted { $0.key < $1.key }.map { name, value in
                ServiceCatalog.Service(
                    name: name, aliases: value.aliases, environment: value.environment, dependsOn: value.dependsOn,
                    shared: value.shared)
            }
            let names = Set(services.map(\.name))
            for service in services {
                for dependency in service.dependsOn where !names.contains(dependency) {
                    throw ConfigError.invalid(
                        file: section.file, path: section.path("services.\(service.name).depends_on"),
                        reason: "\"\(dependency)\" is not a service listed under services")
                }
            }
        }
    }
}

extension InquestConfig.Changes: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["ingest_token", "retention_days", "pagerduty_service_key", "sources"])
        let defaults = Self()
        ingestToken = section.contains("ingest_token") ? try section.secret("ingest_token") : defaults.ingestToken
        retentionDays = try section("retention_days", default: defaults.retentionDays)
        guard retentionDays >= 1 else { throw section.failure("retention_days", "must be at least 1") }
        pagerDutyServiceKey = try section("pagerduty_service_key", default: defaults.pagerDutyServiceKey)
        sources = try section("sources", default: defaults.sources)
        for name in sources.keys where !ChangeSourceController.supported.contains(name) {
            throw ConfigError.invalidValue(
                file: section.file, path: section.path("sources"), value: name, allowed: ChangeSourceController.supported)
        }
    }
}

extension InquestConfig.ChangeSourceSettings: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["secrets", "services"])
        secrets = try section.secrets("secrets")
        guard !secrets.isEmpty else { throw section.failure("secrets", "needs at least one secret reference") }
        services = try section("services", default: [:])
    }
}

/// `correlation:`; see docs/correlation.md.
struct CorrelationConfig: Decodable {
    var settings = CorrelationSettings()
    var vocabularyPath: String?

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "lookback_minutes", "skew_minutes", "default_environment", "weights", "time_half_life_minutes",
                "temperature", "no_change_score", "maximum_confidence", "unknown_service_confidence_cap",
                "rollback_demotion", "unrelated_candidate_limit", "vocabulary_path", "scope_weight", "metrics_weight",
                "external_cause_points", "responder_rollback_points",
            ])
        let defaults = CorrelationSettings()
        vocabularyPath = try section.optional("vocabulary_path")
        let lookback: Int = try section("lookback_minutes", default: 240)
        let skew: Int = try section("skew_minutes", default: 10)
        guard lookback > 0 else { throw section.failure("lookback_minutes", "must be positive") }
        guard skew >= 0 else { throw section.failure("skew_minutes", "must not be negative") }
        settings.lookback = .seconds(lookback * 60)
        settings.skew = .seconds(skew * 60)
        settings.defaultEnvironment =
            section.contains("default_environment")
            ? try section.optional("default_environment") : defaults.defaultEnvironment
        if let weights: WeightsConfig = try section.optional("weights") { settings.weights = weights.weights }
        settings.timeHalfLifeMinutes = try section("time_half_life_minutes", default: defaults.timeHalfLifeMinutes)
        settings.temperature = try section("temperature", default: defaults.temperature)
        settings.noChangeScore = try section("no_change_score", default: defaults.noChangeScore)
        settings.maximumConfidence = try section("maximum_confidence", default: defaults.maximumConfidence)
        settings.unknownServiceConfidenceCap = try section(
            "unknown_service_confidence_cap", default: defaults.unknownServiceConfidenceCap)
        settings.rollbackDemotion = try section("rollback_demotion", default: defaults.rollbackDemotion)
        settings.unrelatedCandidateLimit = try section("unrelated_candidate_limit", default: defaults.unrelatedCandidateLimit)
        settings.scopeWeight = try section("scope_weight", default: defaults.scopeWeight)
        settings.metricsWeight = try section("metrics_weight", default: defaults.metricsWeight)
        settings.externalCausePoints = try section("external_cause_points", default: defaults.externalCausePoints)
        settings.responderRollbackPoints = try section(
            "responder_rollback_points", default: defaults.responderRollbackPoints)
        for key in ["scope_weight", "metrics_weight", "external_cause_points", "responder_rollback_points"] where (try section(key, default: 0.0)) < 0 {
            throw section.failure(key, "must not be negative")
        }
        guard settings.temperature > 0 else { throw section.failure("temperature", "must be positive") }
        guard settings.timeHalfLifeMinutes > 0 else { throw section.failure("time_half_life_minutes", "must be positive") }
        guard (0...1).contains(settings.maximumConfidence), settings.maximumConfidence < 1 else {
            throw section.failure("maximum_confidence", "must be below 1: no correlation is certain")
        }
    }

    struct WeightsConfig: Decodable {
        var weights = CorrelationSettings.Weights()

        init(from decoder: any Decoder) throws {
            let section = try ConfigSection(decoder, keys: ["time", "service", "content", "kind"])
            weights.time = try section("time", default: weights.time)
            weights.service = try section("service", default: weights.service)
            weights.content = try section("content", default: weights.content)
            weights.kind = try section("kind", default: weights.kind)
            let total = weights.time + weights.service + weights.content + weights.kind
            guard abs(total - 100) < 0.001 else {
                throw ConfigError.invalid(
                    file: section.file, path: String(section.path("").dropLast()),
                    reason: "weights are points out of 100 and must add up to 100 (they add up to \(total))")
            }
        }
    }
}

/// `investigations:`: the worker.
struct WorkerConfig: Decodable {
    var settings = InvestigationWorker.Settings()

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["enabled", "concurrency", "max_attempts", "lease_seconds"])
        settings.enabled = try section("enabled", default: settings.enabled)
        settings.concurrency = try section("concurrency", default: settings.concurrency)
        settings.maxAttempts = try section("max_attempts", default: settings.maxAttempts)
        let lease: Int = try section("lease_seconds", default: 120)
        settings.lease = .seconds(lease)
        guard (1...64).contains(settings.concurrency) else { throw section.failure("concurrency", "must be from 1 to 64") }
        guard settings.maxAttempts >= 1 else { throw section.failure("max_attempts", "must be at least 1") }
        guard lease >= 10 else { throw section.failure("lease_seconds", "must be at least 10") }
    }
}

/// One entry under `services:`.
struct ServiceConfig: Decodable {
    var aliases: [String] = []
    var environment: String?
    var dependsOn: [String] = []
    var shared: Bool?

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["aliases", "environment", "depends_on", "shared"])
        aliases = try section("aliases", default: [])
        environment = try section.optional("environment")
        dependsOn = try section("depends_on", default: [])
        shared = try section.optional("shared")
    }
}

extension InquestConfig.Integrations: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(decoder, keys: ["incident_io", "slack"])
        incidentIO = try section("incident_io", default: .init())
        slack = try section("slack", default: .init())
    }
}

extension InquestConfig.Slack: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder, keys: ["token", "api_base_url", "default_channel_id", "post_to_channel", "template_path"])
        let defaults = Self()
        token = try section.secret("token")
        apiBaseURL = try section.url("api_base_url", default: defaults.apiBaseURL)
        defaultChannelID = try section.optional("default_channel_id").flatMap { (id: String) in id.isEmpty ? nil : id }
        postToChannel = try section("post_to_channel", default: defaults.postToChannel)
        templatePath = try section("template_path", default: defaults.templatePath)
    }
}

extension InquestConfig.Outbound: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: ["concurrency", "max_attempts", "max_age_hours", "connect_timeout_seconds", "request_timeout_seconds"])
        let defaults = Self()
        concurrency = try section("concurrency", default: defaults.concurrency)
        maxAttempts = try section("max_attempts", default: defaults.maxAttempts)
        maxAgeHours = try section("max_age_hours", default: defaults.maxAgeHours)
        connectTimeoutSeconds = try section("connect_timeout_seconds", default: defaults.connectTimeoutSeconds)
        requestTimeoutSeconds = try section("request_timeout_seconds", default: defaults.requestTimeoutSeconds)
        for (key, value) in [
            ("concurrency", concurrency), ("max_attempts", maxAttempts), ("max_age_hours", maxAgeHours),
            ("connect_timeout_seconds", connectTimeoutSeconds), ("request_timeout_seconds", requestTimeoutSeconds),
        ] where value < 1 {
            throw section.failure(key, "must be at least 1")
        }
    }
}

extension InquestConfig.IncidentIO: Decodable {
    public init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "enabled", "webhook_secret", "auto_investigate", "severity_threshold", "skip_low_severity",
                "severity_map", "default_priority", "investigate_test_incidents", "api_key", "api_base_url",
                "write_back", "timeline_entry_types", "reinvestigation_cooldown_minutes",
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
        let cooldown: Int = try section(
            "reinvestigation_cooldown_minutes", default: Int(defaults.reinvestigationCooldown.components.seconds / 60))
        guard cooldown >= 0 else { throw section.failure("reinvestigation_cooldown_minutes", "must be 0 or more") }
        policy.reinvestigationCooldown = .seconds(cooldown * 60)
        apiKey = try section.secret("api_key")
        apiBaseURL = try section.url("api_base_url", default: apiBaseURL)
        writeBack = try section.choice("write_back", default: writeBack)
        if let names: [String] = try section.optional("timeline_entry_types") {
            timelineEntryTypes = try names.enumerated().map { index, name in
                guard let type = FindingsOutbox.TimelineEntryType(rawValue: name) else {
                    throw ConfigError.invalidValue(
                        file: section.file, path: section.path("timeline_entry_types.[\(index)]"), value: name,
                        allowed: FindingsOutbox.TimelineEntryType.allCases.map(\.rawValue))
                }
                return type
            }
        }
    }
}
