import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Testing

/// What an SRE running Inquest looks at: `/metrics`, the access log, the OpenAPI document.
@Suite struct OperabilityTests {
    @Test func metricsCountWhatHappenedAndPassPromtool() async throws {
        let env = try TestEnvironment()
        let app = try await env.makeApp()
        try await app.test(.live) { client in
            let changes = #"{"changes": [{"source": "ci", "external_id": "pg-210", "service": "payment-gateway", "kind": "deploy", "summary": "Deploy payment-gateway v2.1.0", "version": "v2.1.0", "occurred_at": "2026-11-20T14:30:00Z"}]}"#
            let ingested = try await client.execute(
                uri: "/api/changes", method: .post,
                headers: [.authorization: "Bearer \(env.ingestToken)", .contentType: "application/json"],
                body: ByteBuffer(string: changes))
            #expect(ingested.status == .created)
            let delivery = try Fixtures.data("incident-created.json")
            #expect(try await env.deliver(delivery, with: client).status == .accepted)
            let forged = try await client.execute(
                uri: "/api/incident-io/webhook", method: .post,
                headers: try env.signedHeaders(for: delivery, secret: "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()),
                body: ByteBuffer(bytes: delivery))
            #expect(forged.status == .unauthorized)
            #expect(try await client.execute(uri: "/api/changes", method: .get).status == .unauthorized)

            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            var text = ""
            try await eventually {
                text = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: env.reader).body)
                return text.contains(#"inquest_investigations_total{outcome="done"} 1"#)
            }
            #expect(text.contains(#"inquest_deliveries_total{source="incident_io",outcome="accepted",reason=""} 1"#))
            #expect(text.contains(#"inquest_deliveries_total{source="incident_io",outcome="rejected",reason="invalid_signature"} 1"#))
            #expect(text.contains(#"inquest_deliveries_total{source="changes",outcome="accepted",reason=""} 1"#))
            #expect(text.contains(#"inquest_http_requests_total{method="GET",route="/api/changes",status="401"} 1"#))
            #expect(text.contains(#"inquest_http_requests_total{method="POST",route="/api/incident-io/webhook",status="202"} 1"#))
            #expect(text.contains("# HELP inquest_investigation_duration_seconds "))
            #expect(text.contains(#"inquest_investigation_duration_seconds_count 1"#))
            #expect(text.contains(#"inquest_group_commit_batch_size_count 1"#))
            #expect(!text.contains(env.readToken))

            let file = env.directory.appendingPathComponent("metrics.txt")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let check = try Command.run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < '\(file.path)'"])
            #expect(check.status == 0, "\(check.output)")
        }
    }

    @Test func everyRequestLeavesOneJSONAccessLineWithoutItsQueryString() async throws {
        let env = try TestEnvironment.queueOnly()
        let app = try await env.makeApp()
        try await app.test(.router) { client in
            let secret = "page-token-\(UUID().uuidString)"
            let refused = try await client.execute(uri: "/api/investigations/7?token=\(secret)", method: .get)
            #expect(refused.status == .unauthorized)
            let missing = try await client.execute(uri: "/no/such/path", method: .get)
            #expect(missing.status == .notFound)
        }
        let lines = env.logs.all.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["message"] as? String == "request" }
        #expect(lines.count == 2)
        let refused = try #require(lines.first)
        #expect(refused["route"] as? String == "/api/investigations/{id}")
        #expect(refused["path"] as? String == "/api/investigations/7")
        #expect(refused["status"] as? Int == 401)
        #expect(refused["duration_ms"] is Double)
        #expect(refused["request_id"] is String)
        #expect((refused["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(lines.last?["status"] as? Int == 404)
        #expect(!env.logs.text.contains("page-token-"))
    }

    /// The committed document names every route the application registers (with every integration on), and
    /// nothing else; `/openapi.json` serves it.
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let env = try TestEnvironment { config in
            config.alert.slack.signingSecret = .literal(.init("slack-signing-secret"))
            config.integrations.incidentIO.apiKey = .literal(.init("inc-api-key"))
        }
        let app = try await env.makeApp()
        let served = try await app.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            return Data(buffer: response.body)
        }
        struct Document: Decodable {
            var openapi: String
            var paths: [String: [String: AnyCodable]]
        }
        struct AnyCodable: Decodable {}
        let document = try JSONDecoder().decode(Document.self, from: served)
        #expect(document.openapi.hasPrefix("3.1"))
        let methods: Set = ["get", "post", "put", "delete", "patch"]
        let documented = Set(
            document.paths.flatMap { path, operations in
                operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)".lowercased() }
            })

        let routesLine = try #require(
            env.logs.all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
                .first { $0["message"] as? String == "routes" })
        let registered = Set((routesLine["routes"] as? [String] ?? []).map { $0.lowercased() })
        #expect(!registered.isEmpty)
        #expect(registered.subtracting(documented).isEmpty, "undocumented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not served: \(documented.subtracting(registered).sorted())")
    }
}
