import Foundation
import GRDB
import HummingbirdTesting
import InquestApp
import Investigation
import NIOCore
import Outbound
import Testing
import WebhookIn

/// `private_incident.*` deliveries carry only an id; the rest is read from incident.io's API before investigating.
@Suite struct PrivateIncidentTests {
    static let id = "01JD3X8Z4MP7Y0V6N2W5XPRIV8"

    static func delivery(_ eventType: String = "private_incident.incident_created_v2") -> Data {
        Data(#"{"event_type": "\#(eventType)", "\#(eventType)": {"id": "\#(id)"}}"#.utf8)
    }

    /// `GET /v2/incidents/{id}` as incident.io answers it: the fixture incident under `incident`.
    static func apiAnswer() throws -> FakeProvider.Answer {
        let envelope = try JSONSerialization.jsonObject(with: Fixtures.data("incident-created.json")) as! [String: Any]
        var incident = envelope["public_incident.incident_created_v2"] as! [String: Any]
        incident["id"] = id
        let body = try JSONSerialization.data(withJSONObject: ["incident": incident])
        return .init(body: String(decoding: body, as: UTF8.self))
    }

    func record(_ env: TestEnvironment, fetch: Bool) async throws -> (IncidentStore, IncidentStore.Outcome) {
        let store = IncidentStore(
            database: try env.database(), queue: InvestigationStore(), policy: InvestigationPolicy(fetchPrivateIncidents: fetch))
        let outcome = try await store.record(
            deliveryID: "msg_private", event: IncidentIOEvent(json: Self.delivery()), receivedAt: env.now).outcome
        return (store, outcome)
    }

    func fetcher(_ env: TestEnvironment, store: IncidentStore, url: String) -> PrivateIncidentFetcher {
        var retry = RetryPolicy()
        retry.random = { 0.5 }
        let api = IncidentIOAPI(
            settings: .init(apiKey: Secret("inc-api-key-secret"), baseURL: url), client: .shared, timeout: .seconds(2),
            logger: env.logs.logger())
        let clock = env.clock
        let policy = retry
        return PrivateIncidentFetcher(
            store: store, api: api, retryDelay: { policy.delay(afterAttempt: $0) }, now: { clock.now }, logger: env.logs.logger())
    }

    func incident(_ env: TestEnvironment) throws -> IncidentRecord? {
        try env.database().read { db in try IncidentRecord.fetchOne(db, key: Self.id) }
    }

    @Test func withoutAnAPIKeyItIsRecordedAsSkippedWithTheReason() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = Self.delivery()
        try await env.makeApp().test(.router) { client in
            let response = try await env.deliver(body, with: client)
            #expect(response.status == .accepted)
            #expect(
                response.json["status"] as? String
                    == "skipped: private incident: no incident.io API key configured to fetch it")
        }
        #expect(try incident(env)?.fetchRequestedBy == nil)
        let jobs = try await env.database().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM investigations") }
        #expect(jobs == 0)
    }

    @Test func deliveryIsReadFromTheAPIThenInvestigatedLikeAPublicOne() async throws {
        let api = FakeProvider(fallback: { _ in (try? Self.apiAnswer()) ?? .init(status: .internalServerError) })
        try await api.run { url in
            let env = try TestEnvironment.queueOnly { config in
                config.integrations.incidentIO.apiKey = .literal(Secret("inc-api-key-secret"))
                config.integrations.incidentIO.apiBaseURL = url
                config.integrations.incidentIO.writeBack = .none
            }
            let body = Self.delivery()
            try await env.makeApp().test(.router) { client in
                let response = try await env.deliver(body, with: client)
                #expect(response.status == .accepted)
                #expect(response.json["status"] as? String == "fetching")
                try await eventually { try incident(env)?.decision == "queued" }
            }
            let stored = try #require(try incident(env))
            #expect(stored.decision == "queued")
            #expect(stored.reference == "INC-4242")
            #expect(stored.priority == .p1)
            #expect(stored.fetchRequestedBy == nil)
            let reason = try await env.database().read { db in
                try String.fetchOne(db, sql: "SELECT reason FROM investigations")
            }
            #expect(reason == "incident created")
        }
        #expect(api.requests.first?.path == "/v2/incidents/\(Self.id)")
        #expect(api.requests.first?.authorization == "Bearer inc-api-key-secret")
    }

    @Test func unavailableAPIIsRetriedWithBackoff() async throws {
        let env = try TestEnvironment.queueOnly()
        let (store, outcome) = try await record(env, fetch: true)
        guard case .accepted(let receipt) = outcome else { Issue.record("not accepted: \(outcome)"); return }
        #expect(receipt.status == "fetching")
        #expect(receipt.investigationID == nil)
        let api = FakeProvider(fallback: { _ in (try? Self.apiAnswer()) ?? .init(status: .internalServerError) })
        api.script(.init(status: .serviceUnavailable, body: "{}"))
        try await api.run { url in
            let fetcher = fetcher(env, store: store, url: url)
            var backoff: [String: (failures: Int, next: Date)] = [:]
            try await fetcher.runOnce(backoff: &backoff)
            #expect(try incident(env)?.fetchRequestedBy == "msg_private")
            try await fetcher.runOnce(backoff: &backoff)  // still backing off: no request
            #expect(api.requests.count == 1)
            env.clock.advance(1)  // full jitter pinned at 0.5 × 2 s
            try await fetcher.runOnce(backoff: &backoff)
        }
        #expect(api.requests.count == 2)
        #expect(try incident(env)?.decision == "queued")
        #expect(env.logs.all.contains { $0.contains("will retry") && $0.contains("503") })
        #expect(!env.logs.all.contains { $0.contains("inc-api-key-secret") })
    }

    @Test(arguments: [
        (404, "skipped: private incident: incident.io has no incident \(id)"),
        (403, "skipped: private incident: the incident.io API key may not read it (HTTP 403)"),
    ])
    func unreadableIncidentIsSkippedWithTheReason(status: Int, decision: String) async throws {
        let env = try TestEnvironment.queueOnly()
        let (store, _) = try await record(env, fetch: true)
        let api = FakeProvider(fallback: { _ in .init(status: .init(code: status), body: #"{"type": "not_found"}"#) })
        try await api.run { url in
            var backoff: [String: (failures: Int, next: Date)] = [:]
            try await fetcher(env, store: store, url: url).runOnce(backoff: &backoff)
            try await fetcher(env, store: store, url: url).runOnce(backoff: &backoff)
        }
        #expect(api.requests.count == 1)
        #expect(try incident(env)?.decision == decision)
        #expect(try incident(env)?.fetchRequestedBy == nil)
    }
}
