import Foundation
import InquestApp
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
        #expect(failure("port: lots") == "inquest.yaml: port: expected a whole number")
        #expect(failure("port: 70000") == "inquest.yaml: port: must be between 0 and 65535")
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
