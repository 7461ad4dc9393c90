import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import Testing
import WebhookIn

@Suite struct IncidentIOWebhookTests {
    let path = "/api/incident-io/webhook"

    func count(_ table: String, in env: TestEnvironment) throws -> Int {
        try env.database().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    @Test func signedDeliveryQueuesOneInvestigation() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
            #expect(response.json["incident_id"] as? String == "01JD3X8Z4MP7Y0V6N2W5X3R9TB")
            #expect(response.json["priority"] as? String == "P1")
            #expect(response.json["status"] as? String == "queued")
            #expect(response.json["investigation_id"] as? Int == 1)
        }
        let (incident, job) = try env.database().read { db in
            (
                try IncidentRecord.fetchOne(db, key: "01JD3X8Z4MP7Y0V6N2W5X3R9TB"),
                try Row.fetchOne(db, sql: "SELECT incident_id, status, priority FROM investigations")
            )
        }
        #expect(incident?.reference == "INC-4242")
        #expect(incident?.slackChannelID == "C05CHECKOUT1")
        #expect(
            try incident?.incident().customFieldEntries?.first?.values?.first?.valueCatalogEntry?.name
                == "checkout-service")
        #expect(job?["incident_id"] == "01JD3X8Z4MP7Y0V6N2W5X3R9TB")
        #expect(job?["status"] == "queued")
        #expect(job?["priority"] == "P1")
    }

    @Test func svixHeaderNamesAreAccepted() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        let headers = HTTPFields(
            try env.signedHeaders(for: body).map { field in
                HTTPField(
                    name: HTTPField.Name(field.name.rawName.replacingOccurrences(of: "webhook-", with: "svix-"))!,
                    value: field.value)
            })
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
        }
    }

    @Test func replayedDeliveryIsNotInvestigatedTwice() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        let headers = try env.signedHeaders(for: body, id: "msg_replay")
        try await env.makeApp().test(.router) { client in
            let first = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(first.status == .accepted)
            let second = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(second.status == .ok)
            #expect(second.json["status"] as? String == "duplicate")
        }
        #expect(try count("investigations", in: env) == 1)
        #expect(try count("webhook_deliveries", in: env) == 1)
    }

    @Test func redeliveryWithANewIdIsRecordedAgainstTheSameInvestigation() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            let again = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(again.json["status"] as? String == "recorded")
            #expect(again.json["investigation_id"] as? Int == 1)
        }
        #expect(try count("investigations", in: env) == 1)
    }

    @Test func rejectedDeliveriesStoreNothing() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            var tampered = try env.signedHeaders(for: body)
            tampered[HTTPField.Name("webhook-signature")!] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            var response = try await client.execute(uri: path, method: .post, headers: tampered, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "invalid signature")

            let stale = try env.signedHeaders(for: body, timestamp: env.now.addingTimeInterval(-301))
            response = try await client.execute(uri: path, method: .post, headers: stale, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "timestamp outside tolerance")

            let future = try env.signedHeaders(for: body, timestamp: env.now.addingTimeInterval(301))
            response = try await client.execute(uri: path, method: .post, headers: future, body: ByteBuffer(bytes: body))
            #expect(response.json["error"] as? String == "timestamp outside tolerance")

            response = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "missing signature headers")

            let wrongSecret = try env.signedHeaders(
                for: body, secret: "whsec_" + Data(repeating: 9, count: 32).base64EncodedString())
            response = try await client.execute(uri: path, method: .post, headers: wrongSecret, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
        }
        #expect(try count("incidents", in: env) == 0)
        #expect(try count("webhook_deliveries", in: env) == 0)
    }

    @Test func oversizedBodyIs413BeforeParsing() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = Data(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.status == .contentTooLarge)
            #expect(response.json["error"] as? String == "body larger than 1 MiB")
        }
        #expect(try count("webhook_deliveries", in: env) == 0)
    }

    @Test(arguments: [
        ("not json at all", "body is not valid JSON"),
        (#"{"incident": {"id": "x"}}"#, "payload has no event_type"),
        (
            #"{"event_type": "public_incident.incident_created_v2"}"#,
            #"payload has no "public_incident.incident_created_v2" object"#
        ),
        (
            #"{"event_type": "public_incident.incident_created_v2", "public_incident.incident_created_v2": {"name": "x"}}"#,
            "payload has no public_incident.incident_created_v2.id"
        ),
        (
            #"{"event_type": "public_incident.incident_created_v2", "public_incident.incident_created_v2": {"id": ""}}"#,
            "payload has no incident id"
        ),
    ])
    func malformedPayloadIs400NamingTheProblem(body: String, message: String) async throws {
        let env = try TestEnvironment.queueOnly()
        let data = Data(body.utf8)
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: data), body: ByteBuffer(bytes: data))
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == message)
        }
        #expect(try count("webhook_deliveries", in: env) == 0)
    }

    @Test func unknownEventTypeIsAcceptedAndIgnored() async throws {
        let env = try TestEnvironment.queueOnly()
        let data = Data(
            #"{"event_type": "public_incident.follow_up_created_v1", "public_incident.follow_up_created_v1": {"id": "f"}}"#.utf8)
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: data), body: ByteBuffer(bytes: data))
            #expect(response.status == .accepted)
            #expect(response.json["status"] as? String == "ignored")
        }
        #expect(try count("incidents", in: env) == 0)
    }

    @Test(arguments: [
        ("Critical", "P0", "queued"), ("High", "P1", "queued"), ("Medium", "P2", "queued"),
        ("Low", "P3", "skipped: below threshold"),
    ])
    func severityMapsToPriorityAndThreshold(severity: String, priority: String, status: String) async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.incidentDelivery(severity: severity)
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
            #expect(response.json["priority"] as? String == priority)
            #expect(response.json["status"] as? String == status)
            #expect((response.json["investigation_id"] is NSNull) == (status != "queued"))
        }
        #expect(try count("investigations", in: env) == (status == "queued" ? 1 : 0))
    }

    @Test func unknownSeverityTakesTheDefaultAndWarns() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.incidentDelivery(severity: "Sev-Whatever")
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.json["priority"] as? String == "P2")
        }
        #expect(env.logs.all.contains { $0.contains("unknown severity") && $0.contains("Sev-Whatever") })
    }

    @Test func autoInvestigateOffRecordsWithoutQueueing() async throws {
        let env = try TestEnvironment { $0.integrations.incidentIO.policy.autoInvestigate = false }
        let body = try Fixtures.incidentDelivery(severity: "Critical")
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.json["status"] as? String == "skipped: auto_investigate off")
        }
        #expect(try count("incidents", in: env) == 1)
        #expect(try count("investigations", in: env) == 0)
    }

    @Test func testModeIncidentsAreSkipped() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.incidentDelivery(mode: "test")
        try await env.makeApp().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.json["status"] as? String == "skipped: test incident")
        }
    }

    @Test func updateRaisingSeverityAcrossTheThresholdQueuesOnce() async throws {
        let env = try TestEnvironment.queueOnly()
        let low = try Fixtures.incidentDelivery(severity: "Low")
        let raised = try Fixtures.incidentDelivery(
            eventType: "public_incident.incident_updated_v2", severity: "Critical", updatedAt: "2026-11-20T14:50:00.000000Z")
        let later = try Fixtures.incidentDelivery(
            eventType: "incident.updated", severity: "Critical", updatedAt: "2026-11-20T15:00:00.000000Z")
        try await env.makeApp().test(.router) { client in
            var response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: low), body: ByteBuffer(bytes: low))
            #expect(response.json["status"] as? String == "skipped: below threshold")
            response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: raised), body: ByteBuffer(bytes: raised))
            #expect(response.json["status"] as? String == "queued")
            #expect(response.json["priority"] as? String == "P0")
            response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: later), body: ByteBuffer(bytes: later))
            #expect(response.json["status"] as? String == "recorded")
        }
        let reasons = try await env.database().read { db in try String.fetchAll(db, sql: "SELECT reason FROM investigations") }
        #expect(reasons == ["severity raised to P0"])
        #expect(try count("webhook_deliveries", in: env) == 3)
    }

    func deliver(_ body: Data, _ env: TestEnvironment, _ client: some TestClientProtocol) async throws -> [String: Any] {
        try await env.deliver(body, with: client).json
    }

    func finishInvestigations(_ env: TestEnvironment) throws {
        try env.database().write { db in try db.execute(sql: "UPDATE investigations SET status = 'done'") }
    }

    @Test func updatesWithoutASeverityRaiseNeverReinvestigate() async throws {
        let env = try TestEnvironment.queueOnly()
        try await env.makeApp().test(.router) { client in
            #expect(try await deliver(Fixtures.incidentDelivery(), env, client)["status"] as? String == "queued")
            try finishInvestigations(env)
            env.clock.advance(3600)
            // What our own timeline write-back causes: an update with a newer updated_at and the same severity.
            let writeBack = try Fixtures.incidentDelivery(
                eventType: "public_incident.incident_updated_v2", updatedAt: "2026-11-20T15:40:00.000000Z")
            #expect(try await deliver(writeBack, env, client)["status"] as? String == "recorded")
            let lowered = try Fixtures.incidentDelivery(
                eventType: "public_incident.incident_updated_v2", severity: "Low", updatedAt: "2026-11-20T15:41:00.000000Z")
            #expect(try await deliver(lowered, env, client)["status"] as? String == "recorded")
        }
        #expect(try count("investigations", in: env) == 1)
    }

    @Test func severityRaiseReinvestigatesOnceTheCooldownHasPassed() async throws {
        let env = try TestEnvironment.queueOnly()
        let firstStart = env.now
        try await env.makeApp().test(.router) { client in
            #expect(try await deliver(Fixtures.incidentDelivery(severity: "Medium"), env, client)["investigation_id"] as? Int == 1)
            // Raised while the first investigation has not started: it will read the new severity itself.
            let high = try Fixtures.incidentDelivery(
                eventType: "public_incident.incident_updated_v2", severity: "High", updatedAt: "2026-11-20T14:41:00.000000Z")
            let answer = try await deliver(high, env, client)
            #expect(answer["status"] as? String == "queued")
            #expect(answer["investigation_id"] as? Int == 1)
            try finishInvestigations(env)

            // Raised two minutes after the first started: queued, but not before the 10-minute cooldown ends.
            env.clock.advance(120)
            let critical = try Fixtures.incidentDelivery(
                eventType: "public_incident.incident_updated_v2", severity: "Critical", updatedAt: "2026-11-20T14:42:00.000000Z")
            let raised = try await deliver(critical, env, client)
            #expect(raised["status"] as? String == "queued")
            #expect(raised["investigation_id"] as? Int == 2)
            #expect(raised["priority"] as? String == "P0")
            // The same severity again, later: nothing new.
            let again = try Fixtures.incidentDelivery(
                eventType: "public_incident.incident_updated_v2", severity: "Critical", updatedAt: "2026-11-20T14:43:00.000000Z")
            #expect(try await deliver(again, env, client)["status"] as? String == "recorded")
        }
        let jobs = try env.database().read { db in
            try Row.fetchAll(db, sql: "SELECT reason, priority, not_before FROM investigations ORDER BY id")
        }
        #expect(jobs.map { $0["reason"] as String } == ["incident created", "severity raised to P0"])
        #expect(jobs.last?["priority"] == "P0")
        #expect((jobs.last?["not_before"] as Date?) == firstStart.addingTimeInterval(600))
    }

    @Test func olderUpdateArrivingLateDoesNotOverwriteNewerState() async throws {
        let env = try TestEnvironment.queueOnly()
        let newer = try Fixtures.incidentDelivery(
            eventType: "public_incident.incident_updated_v2", severity: "Critical", updatedAt: "2026-11-20T15:00:00.000000Z")
        let older = try Fixtures.incidentDelivery(
            eventType: "public_incident.incident_updated_v2", severity: "Medium", updatedAt: "2026-11-20T14:40:00.000000Z")
        try await env.makeApp().test(.router) { client in
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: newer), body: ByteBuffer(bytes: newer))
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: older), body: ByteBuffer(bytes: older))
        }
        let incident = try await env.database().read { db in try IncidentRecord.fetchOne(db, key: "01JD3X8Z4MP7Y0V6N2W5X3R9TB") }
        #expect(incident?.severity == "Critical")
        #expect(incident?.priority == .p0)
    }

    @Test func queuedJobSurvivesClosingAndReopeningTheDatabase() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
        }
        let first = try env.database()
        try first.close()
        let reopened = try env.database()
        let status = try await reopened.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM investigations WHERE id = 1")
        }
        #expect(status == "queued")
    }

    @Test func incidentCanBeLookedUpAfterwards() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            let found = try await client.execute(uri: "/api/incidents/01JD3X8Z4MP7Y0V6N2W5X3R9TB", method: .get, headers: env.reader)
            #expect(found.status == .ok)
            #expect(found.json["investigation_status"] as? String == "queued")
            #expect(found.json["reference"] as? String == "INC-4242")
            let missing = try await client.execute(uri: "/api/incidents/nope", method: .get, headers: env.reader)
            #expect(missing.status == .notFound)
            #expect(missing.json["error"] as? String == "no incident nope")
        }
    }

    @Test func deliveryIdsArePrunedOnlyAfterTheCutoff() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
        }
        let store = IncidentStore(database: try env.database(), queue: InvestigationStore(), policy: .init())
        #expect(try await store.pruneDeliveries(before: env.now) == 0)
        #expect(try await store.pruneDeliveries(before: env.now.addingTimeInterval(1)) == 1)
        #expect(try count("incidents", in: env) == 1)
    }

    @Test func concurrentDeliveriesShareTransactionsWithoutLosingOrDoublingAny() async throws {
        let env = try TestEnvironment.queueOnly()
        let database = try env.database()
        let store = IncidentStore(database: database, queue: InvestigationStore(), policy: .init())
        // 30 incidents, each delivered twice under the same webhook-id, all at once.
        let outcomes = try await withThrowingTaskGroup(of: IncidentStore.Outcome.self) { group in
            for index in 0..<60 {
                group.addTask {
                    let event = try IncidentIOEvent(json: Fixtures.incidentDelivery(id: "inc_\(index % 30)"))
                    return try await store.record(deliveryID: "msg_\(index % 30)", event: event, receivedAt: env.now).outcome
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .duplicate }.count == 30)
        #expect(Set(outcomes.compactMap { if case .accepted(let receipt) = $0 { receipt.incidentID } else { nil } }).count == 30)
        #expect(try count("incidents", in: env) == 30)
        #expect(try count("investigations", in: env) == 30)
    }

    @Test func healthAndReadinessAnswer() async throws {
        let env = try TestEnvironment.queueOnly()
        try await env.makeApp().test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).json["status"] as? String == "ready")
            let unknown = try await client.execute(uri: "/nowhere", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.json["error"] as? String == "not found")
        }
    }

    @Test func secretsNeverAppearInLogsOrResponses() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        let bodies = try await env.makeApp().test(.router) { client in
            var bodies: [String] = []
            var requests: [(HTTPFields, Data)] = [
                (try env.signedHeaders(for: body), body),
                (try env.signedHeaders(for: body, timestamp: env.now.addingTimeInterval(-999)), body),
                (try env.signedHeaders(for: Data("{".utf8)), Data("{".utf8)),
            ]
            requests.append((try env.signedHeaders(for: body, id: "dup"), body))
            requests.append((try env.signedHeaders(for: body, id: "dup"), body))
            for (headers, data) in requests {
                let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: data))
                bodies.append(String(buffer: response.body))
            }
            return bodies
        }
        let secretBody = String(env.webhookSecret.dropFirst("whsec_".count))
        #expect(!env.logs.all.isEmpty)
        for text in [env.logs.text] + bodies {
            #expect(!text.contains(secretBody))
            #expect(!text.contains(env.webhookSecret))
        }
    }

    @Test(arguments: [
        // As incident.io sends it: stored as received, the fields Inquest does not read included.
        (#"{"event_type": "public_incident.incident_created_v2", "public_incident.incident_created_v2": {"id": "inc_raw", "name": "Checkout \u00e9rrors", "visibility": "public"}}"#, true),
        // The status event nests the incident one level down.
        (#"{"event_type": "public_incident.incident_status_updated_v2", "public_incident.incident_status_updated_v2": {"incident": {"id": "inc_raw", "name": "Checkout \u00e9rrors", "visibility": "public"}, "new_status": {"name": "Fixing"}}}"#, true),
        // The resource key given twice: the decoder's choice is not guessed at; the decoded incident is stored.
        (#"{"event_type": "incident.created", "incident": {"id": "inc_raw", "name": "Checkout \u00e9rrors"}, "incident": {"id": "inc_raw", "name": "Checkout \u00e9rrors", "visibility": "public"}}"#, false),
    ])
    func theIncidentIsStoredAsDeliveredWhenItCanBeCutOut(body: String, verbatim: Bool) async throws {
        let env = try TestEnvironment.queueOnly()
        try await env.makeApp().test(.router) { client in
            let response = try await env.deliver(Data(body.utf8), with: client)
            #expect(response.status == .accepted)
        }
        let record = try #require(try await env.database().read { db in try IncidentRecord.fetchOne(db, key: "inc_raw") })
        #expect(try record.incident().name == "Checkout érrors")
        #expect(record.payload.contains(#""visibility": "public""#) == verbatim)
        #expect(record.payload.hasPrefix(#"{"id": "inc_raw""#) == verbatim)
    }

    @Test func deliveriesReachTheDatabaseFileWithoutWaitingForTheWriterToCheckpoint() async throws {
        let env = try TestEnvironment.queueOnly()
        let file = env.config.database
        @Sendable func size() throws -> Int { try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0 }
        try await env.makeApp().test(.live) { client in
            for index in 0..<60 {
                let response = try await env.deliver(Fixtures.incidentDelivery(id: "inc_\(index)"), with: client)
                #expect(response.status == .accepted)
            }
            // 60 incidents of 2 KB are far below the writer's own checkpoint (10,000 pages): only the background
            // checkpointer moves them from the log into the database file.
            try await eventually { try size() > 60 * 2_000 }
        }
    }

    @Test func realLoopbackDeliveryIsStored() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.live) { client in
            #expect(client.port != nil)
            let response = try await client.execute(
                uri: path, method: .post, headers: env.signedHeaders(for: body), body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
        }
        #expect(try count("investigations", in: env) == 1)
    }
}
