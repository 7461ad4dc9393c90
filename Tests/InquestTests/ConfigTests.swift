import ChangeSources
import Foundation
import InquestApp
import Investigation
import Testing
import WebhookIn

@Suite struct ConfigTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> InquestConfig {
        try InquestConfig.parse(yaml: yaml, file: "inquest.yaml", environment: environment, workingDirectory: "/srv")
    }

    func failure(_ yaml: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try parse(yaml, environment: environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func shippedConfigLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try InquestConfig.load(
            path: root.appendingPathComponent("config/inquest.yaml").path, environment: [:],
            workingDirectory: root.path)
        #expect(config.port == 3000)
        #expect(config.database == root.appendingPathComponent("data/inquest.sqlite").path)
        #expect(config.integrations.incidentIO.webhookSecrets == [.vault(name: "incident-io-webhook-secret")])
        #expect(config.integrations.incidentIO.policy.threshold == .p2)
        #expect(
            config.alert.auth
                == .credentials(bearerToken: .vault(name: "alertmanager-token"), basicUsername: nil, basicPassword: nil))
        #expect(config.alert.slack.templatePath == root.appendingPathComponent("config/slack_alert.mustache").path)
        #expect(config.oncall.waitMinutes == 3)
        #expect(config.oncall.pagerDuty.routingKey == nil)  // paging off until the key is set
        #expect(config.oncall.pagerDuty.otherRoutingKeys.isEmpty)
        #expect(config.oncall.incidentIO.metadata == ["team": "platform"])
        #expect(config.changes.sources.keys.sorted() == ["argocd", "flux", "github", "gitlab", "launchdarkly", "terraform-cloud"])
        #expect(config.changes.sources["launchdarkly"]?.services == ["new-checkout-flow": .init(service: "checkout-service")])
        #expect(
            config.changes.sources["terraform-cloud"]?.services
                == ["payments-infra-prod": .init(service: "payment-gateway", environment: "production")])
    }

    @Test func aVocabularyFileReplacesTheListsItNamesAndKeepsTheRest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vocabulary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "external_causes: [Solar Flare]\nshared_infrastructure: [mainframe]\n".write(
            to: directory.appendingPathComponent("vocabulary.yaml"), atomically: true, encoding: .utf8)
        let config = try InquestConfig.parse(
            yaml: "correlation:\n  vocabulary_path: vocabulary.yaml\n", file: "inquest.yaml", environment: [:],
            workingDirectory: directory.path)
        #expect(config.correlation.vocabulary.externalCauses == ["solar flare"])
        #expect(config.correlation.vocabulary.sharedInfrastructure == ["mainframe"])
        #expect(config.correlation.vocabulary.symptoms == CorrelationVocabulary.builtIn.symptoms)

        try "external_causes: [x]\nsymptom: []\n".write(
            to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try InquestConfig.parse(
                yaml: "correlation:\n  vocabulary_path: bad.yaml\n", file: "inquest.yaml", environment: [:],
                workingDirectory: directory.path)
        } throws: { error in
            "\(error)".contains("bad.yaml: symptom: unknown key")
        }
        #expect(failure("correlation:\n  vocabulary_path: /nowhere/vocabulary.yaml\n")?.contains("/nowhere/vocabulary.yaml") == true)
    }

    @Test func correlationWeightsOfTheNewFactorsAreReadAndChecked() throws {
        let config = try parse("correlation: { scope_weight: 10, metrics_weight: 25, external_cause_points: 8 }")
        #expect(config.correlation.scopeWeight == 10)
        #expect(config.correlation.metricsWeight == 25)
        #expect(config.correlation.externalCausePoints == 8)
        #expect(failure("correlation: { scope_weight: -1 }")?.contains("correlation.scope_weight: must not be negative") == true)
    }

    @Test func theBuiltInVocabularyRoundTripsThroughItsYAML() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vocabulary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try CorrelationVocabulary.builtIn.yaml.write(
            to: directory.appendingPathComponent("v.yaml"), atomically: true, encoding: .utf8)
        let config = try InquestConfig.parse(
            yaml: "correlation:\n  vocabulary_path: v.yaml\n", file: "inquest.yaml", environment: [:],
            workingDirectory: directory.path)
        #expect(config.correlation.vocabulary == CorrelationVocabulary.builtIn)
    }

    @Test func alertAuthAndOncallKeys() throws {
        let config = try parse(
            """
            alert:
              auth: { basic_username: alertmanager, basic_password: env://AM_PASSWORD }
            oncall:
              provider: incident_io
              wait_minutes: 0
              pagerduty:
                other_routing_keys: { infra: "${PD_INFRA}", unset: "${PD_UNSET:-}" }
              incident_io:
                other_alert_source_config_ids: { infra: 01INFRA }
            """, environment: ["PD_INFRA": "pd-infra"])
        #expect(config.alert.auth == .credentials(bearerToken: nil, basicUsername: "alertmanager", basicPassword: .environment(name: "AM_PASSWORD")))
        #expect(config.oncall.provider == .incidentIO)
        #expect(config.oncall.waitMinutes == 0)
        #expect(config.oncall.pagerDuty.otherRoutingKeys == ["infra": .environment(name: "PD_INFRA")])
        #expect(config.oncall.incidentIO.otherAlertSourceConfigIDs == ["infra": "01INFRA"])
        #expect(try parse("alert:\n  auth: none\n").alert.auth == .none)
        #expect(failure("alert:\n  auth: open\n")?.contains("alert.auth") == true)
        #expect(failure("alert:\n  auth: { basic_username: am }\n")?.contains("needs both basic_username and basic_password") == true)
        #expect(failure("oncall:\n  provider: opsgenie\n")?.contains("pagerduty") == true)
        #expect(failure("oncall:\n  pagerduty: { default_severity: page }\n")?.contains("oncall.pagerduty.default_severity") == true)
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try parse("")
        #expect(config.host == "0.0.0.0")
        #expect(config.database == "/srv/data/inquest.sqlite")
        #expect(config.vaultDevPath == "/srv/vault-dev")
    }

    @Test func environmentVariablesAndDefaultsAreSubstituted() throws {
        let yaml = """
            port: ${PORT}
            public_host: ${HOST:-http://fallback:3000}
            database: /var/lib/${NAME:-inquest}/db.sqlite
            """
        let config = try parse(yaml, environment: ["PORT": "8080", "NAME": "prod"])
        #expect(config.port == 8080)
        #expect(config.publicHost == "http://fallback:3000")
        #expect(config.database == "/var/lib/prod/db.sqlite")
    }

    @Test func substitutedValuesCannotInjectYAML() throws {
        let config = try parse("name: ${NAME}", environment: ["NAME": "a: b # c\nport: 1"])
        #expect(config.name == "a: b # c\nport: 1")
        #expect(config.port == 3000)
    }

    @Test func unsetVariableWithoutDefaultNamesIt() {
        #expect(
            failure("port: ${INQUEST_PORT}") == """
                inquest.yaml: environment variable INQUEST_PORT is not set (write ${INQUEST_PORT:-default} to give it a default)
                """)
    }

    @Test func unknownKeyNamesPathAndAllowedKeys() throws {
        let message = try #require(failure("integrations:\n  incident_io:\n    webhook_secrets: x\n"))
        #expect(message.hasPrefix("inquest.yaml: integrations.incident_io.webhook_secrets: unknown key; allowed here:"))
        #expect(message.contains("webhook_secret,"))
    }

    @Test func badThresholdListsTheSeverities() {
        #expect(
            failure("integrations:\n  incident_io:\n    severity_threshold: urgent\n") == """
                inquest.yaml: integrations.incident_io.severity_threshold: "urgent" is not one of critical, high, medium, low
                """)
    }

    @Test func badValuesAreRefusedWithThePath() {
        #expect(failure("port: lots") == #"inquest.yaml: port: expected a whole number, got "lots""#)
        #expect(failure("port: 70000") == "inquest.yaml: port: must be between 0 and 65535")
        #expect(
            failure("port: ${INQUEST_PORT:-3000}", environment: ["INQUEST_PORT": "abc"])
                == #"inquest.yaml: port: expected a whole number, got "abc" (from environment variable INQUEST_PORT)"#)
        #expect(failure("log_level: loud")?.contains(#"log_level: "loud" is not one of trace, debug"#) == true)
        #expect(
            failure("integrations:\n  incident_io:\n    severity_map: { high: P9 }\n") == """
                inquest.yaml: integrations.incident_io.severity_map.high: "P9" is not one of P0, P1, P2, P3
                """)
        #expect(
            failure("integrations:\n  incident_io:\n    webhook_secret: ${S:-}\n")?.contains("webhook_secret: is required")
                == true)
    }

    @Test func customSeverityMapAndThreshold() throws {
        let config = try parse(
            """
            integrations:
              incident_io:
                severity_map: { sev1: P0, sev2: P1, sev3: P3 }
                severity_threshold: SEV2
            """)
        #expect(config.integrations.incidentIO.policy.threshold == .p1)
        #expect(config.integrations.incidentIO.policy.priority(forSeverity: "Sev3") == (.p3, true))
    }

    @Test func secretReferencesInAllForms() throws {
        let config = try parse(
            """
            integrations:
              incident_io:
                webhook_secret: [vault://secrets/a, env://B, "${C}", whsec_literal]
            """, environment: ["C": "value-of-c"])
        #expect(
            config.integrations.incidentIO.webhookSecrets == [
                .vault(name: "a"), .environment(name: "B"), .environment(name: "C"), .literal(Secret("whsec_literal")),
            ])
    }
}
