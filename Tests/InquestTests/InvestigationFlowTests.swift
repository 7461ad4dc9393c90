import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import Logging
import Testing
import WebhookIn

/// The change-log API and the worker, through the real application and a real SQLite file.
@Suite struct InvestigationFlowTests {
    static let services: [ServiceCatalog.Service] = [
        .init(name: "checkout-service", aliases: ["checkout"], dependsOn: ["payment-gateway"]),
        .init(name: "payment-gateway"),
        .init(name: "search"),
        .init(name: "notifications"),
    ]

    func environment() throws -> TestEnvironment {
        try TestEnvironment.queueOnly { $0.services = Self.services }
    }

    func auth(_ env: TestEnvironment) -> HTTPFields {
        [.authorization: "Bearer \(env.ingestToken)", .contentType: "application/json"]
    }

    func post(_ json: String, _ env: TestEnvironment, _ client: some TestClientProtocol, headers: HTTPFields? = nil)
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/api/changes", method: .post, headers: headers ?? auth(env), body: ByteBuffer(string: json))
    }

    func worker(_ env: TestEnvironment, maxAttempts: Int = 5) throws -> InvestigationWorker {
        var settings = InvestigationWorker.Settings()
        settings.maxAttempts = maxAttempts
        let now = env.now
        return InvestigationWorker(
            database: try env.database(),
            investigator: Investigator(settings: .init(), catalog: ServiceCatalog(services: Self.services)),
            sink: nil, settings: settings, now: { now }, logger: env.logs.logger())
    }

    /// Delivers the fixture incident, leaving one queued investigation.
    func queueFixtureIncident(_ env: TestEnvironment) async throws {
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            let response = try await env.deliver(body, with: client)
            #expect(response.json["status"] as? String == "queued")
        }
    }

    let workedExample = """
        {"changes": [
          {"source": "ci", "external_id": "pg-210", "service": "payment-gateway", "kind": "deploy",
           "summary": "Deploy payment-gateway v2.1.0", "version": "v2.1.0", "author": "ana", "occurred_at": "2026-11-20T14:30:00Z"},
          {"source": "ci", "external_id": "pg-209", "service": "payment-gateway", "kind": "deploy",
           "summary": "Deploy payment-gateway v2.0.9", "version": "v2.0.9", "occurred_at": "2026-11-19T09:00:00Z"},
          {"source": "ci", "external_id": "search-7", "service": "search", "kind": "deploy",
           "summary": "Deploy search v7", "version": "v7", "occurred_at": "2026-11-20T11:00:00Z"},
          {"source": "cfg", "external_id": "notif-1", "service": "notifications", "kind": "config",
           "summary": "Raise notification batch size", "occurred_at": "2026-11-20T14:20:00Z"}
        ]}
        """

    @Test func signedIncidentEndsInStoredFindingsNamingTheDependencyDeploy() async throws {
        let env = try environment()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            let ingested = try await post(workedExample, env, client)
            #expect(ingested.status == .created)
            #expect(ingested.json["inserted"] as? Int == 4)
            let delivered = try await env.deliver(body, with: client)
            #expect(delivered.json["status"] as? String == "queued")

            #expect(try await worker(env).runOnce())

            let response = try await client.execute(
                uri: "/api/incidents/01JD3X8Z4MP7Y0V6N2W5X3R9TB/investigation", method: .get, headers: env.reader)
            #expect(response.json["status"] as? String == "done")
            let findings = try #require(response.json["findings"] as? [String: Any])
            let causes = try #require(findings["suspected_causes"] as? [[String: Any]])
            let top = try #require(causes.first)
            #expect((top["change"] as? [String: Any])?["external_id"] as? String == "pg-210")
            #expect(top["band"] as? String == "suspected cause")
            let actions = findings["recommended_actions"] as? [[String: Any]]
            #expect((actions?.first?["text"] as? String)?.contains("to version v2.0.9") == true)

            let markdown = try await client.execute(
                uri: "/api/investigations/1", method: .get,
                headers: [.accept: "text/markdown", .authorization: "Bearer \(env.readToken)"])
            #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
            #expect(String(buffer: markdown.body).contains("payment-gateway deploy v2.1.0"))
        }
    }

    @Test func ingestIsIdempotent() async throws {
        let env = try environment()
        try await env.makeApp().test(.router) { client in
            let first = try await post(workedExample, env, client)
            #expect(first.json["inserted"] as? Int == 4)
            let again = try await post(workedExample, env, client)
            #expect(again.status == .ok)
            #expect(again.json["inserted"] as? Int == 0)
            #expect(again.json["duplicates"] as? Int == 4)
            let single = #"{"service": "search", "kind": "config", "summary": "x", "occurred_at": "2026-11-20T10:00:00Z"}"#
            #expect(try await post(single, env, client).json["inserted"] as? Int == 1)
            #expect(try await post(single, env, client).json["duplicates"] as? Int == 1)
        }
    }

    @Test func invalidBatchListsEveryBadFieldAndStoresNothing() async throws {
        let env = try environment()
        let batch = """
            {"changes": [
              {"service": "search", "kind": "deploy", "summary": "ok", "occurred_at": "2026-11-20T10:00:00Z"},
              {"service": "search", "kind": "deploy2", "summary": "x", "occurred_at": "yesterday"},
              {"kind": "config", "occurred_at": "2026-11-20T10:00:00Z", "metadata": "nope"}
            ]}
            """
        try await env.makeApp().test(.router) { client in
            let response = try await post(batch, env, client)
            #expect(response.status == .unprocessableContent)
            let errors = response.json["errors"] as? [String] ?? []
            #expect(
                errors.contains(#"changes[1].kind: "deploy2" is not one of deploy, config, feature_flag, infra, rollback, script, automation, maintenance, operator, other"#)
            )
            #expect(errors.contains("changes[1].occurred_at: not an RFC 3339 timestamp (e.g. 2026-11-20T14:30:00Z)"))
            #expect(errors.contains("changes[2].service: missing"))
            #expect(errors.contains("changes[2].summary: missing"))
            #expect(errors.contains("changes[2].metadata: expected an object"))
            #expect(response.json["error"] as? String == errors.first)

            let listed = try await client.execute(
                uri: "/api/changes?since=2026-11-01T00:00:00Z&until=2026-11-30T00:00:00Z", method: .get, headers: env.reader)
            #expect((listed.json["changes"] as? [Any])?.isEmpty == true)

            let malformed = try await post("{nope", env, client)
            #expect(malformed.status == .badRequest)
            #expect(malformed.json["error"] as? String == "body is not valid JSON")
            let tooMany = try await post(
                #"{"changes": [\#(Array(repeating: "{}", count: 1001).joined(separator: ","))]}"#, env, client)
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.json["error"] as? String == "changes: 1001 changes; at most 1000 per request")
        }
    }

    @Test func ingestNeedsTheBearerToken() async throws {
        let env = try environment()
        try await env.makeApp().test(.router) { client in
            let missing = try await post(workedExample, env, client, headers: [.contentType: "application/json"])
            #expect(missing.status == .unauthorized)
            let wrong = try await post(workedExample, env, client, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["error"] as? String == "missing or wrong bearer token")
        }
    }

    @Test func pagerDutyChangeEventsAreIngested() async throws {
        let env = try environment()
        let event = """
            {"routing_key": "R0UTINGKEY0000000000000000000000",
             "payload": {"summary": "Build #42 deployed", "timestamp": "2026-11-20T14:25:00Z", "source": "payment-gateway",
                         "custom_details": {"version": "v2.1.1", "author": "ci-bot"}},
             "links": [{"href": "https://ci.example.com/builds/42", "text": "Build 42"}]}
            """
        try await env.makeApp().test(.router) { client in
            #expect(try await post(event, env, client).status == .created)
            #expect(try await post(event, env, client).json["duplicates"] as? Int == 1)
            let listed = try await client.execute(
                uri: "/api/changes?service=payment-gateway&since=2026-11-20T00:00:00Z&until=2026-11-21T00:00:00Z", method: .get,
                headers: env.reader)
            let change = try #require((listed.json["changes"] as? [[String: Any]])?.first)
            #expect(change["source"] as? String == "pagerduty")
            #expect(change["kind"] as? String == "deploy")
            #expect(change["version"] as? String == "v2.1.1")
            #expect(change["url"] as? String == "https://ci.example.com/builds/42")
            #expect(change["occurred_at"] as? String == "2026-11-20T14:25:00.000Z")
            #expect(!String(describing: change).contains("R0UTINGKEY"))
        }
    }

    @Test func aJobWhoseWorkerDiedIsTakenAgainAfterItsLease() async throws {
        let env = try environment()
        try await queueFixtureIncident(env)
        let database = try env.database()
        // A worker claimed it and was killed: running, lease still valid.
        try await database.write { db in
            try db.execute(
                sql: "UPDATE investigations SET status = 'running', attempts = 1, lease_expires_at = ?",
                arguments: [env.now.addingTimeInterval(60).unixTime])
        }
        #expect(try await worker(env).runOnce() == false)
        try await database.write { db in
            try db.execute(
                sql: "UPDATE investigations SET lease_expires_at = ?", arguments: [env.now.addingTimeInterval(-1).unixTime])
        }
        #expect(try await worker(env).runOnce())
        let row = try database.read { db in try Row.fetchOne(db, sql: "SELECT status, attempts FROM investigations") }
        #expect(row?["status"] == "done")
        #expect(row?["attempts"] == 2)
    }

    @Test func aFailingJobRetriesWithBackoffThenFailsWithItsError() async throws {
        let env = try environment()
        try await queueFixtureIncident(env)
        let database = try env.database()
        try await database.write { db in try db.execute(sql: "UPDATE incidents SET payload = 'not json'") }

        #expect(try await worker(env, maxAttempts: 2).runOnce())
        var row = try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM investigations") }
        #expect(row?["status"] == "queued")
        #expect((row?["not_before"] as Date?) == env.now.addingTimeInterval(5))
        #expect(try await worker(env, maxAttempts: 2).runOnce() == false)  // backing off

        try await database.write { db in
            try db.execute(sql: "UPDATE investigations SET not_before = ?", arguments: [env.now.unixTime])
        }
        #expect(try await worker(env, maxAttempts: 2).runOnce())
        row = try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM investigations") }
        #expect(row?["status"] == "failed")
        #expect((row?["error"] as String?)?.isEmpty == false)
    }
}
