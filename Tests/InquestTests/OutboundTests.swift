import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import Logging
import NIOCore
import Outbound
import Synchronization
import Testing
import WebhookIn

@Suite struct OutboundTests {
    static let slackOK = FakeProvider.Answer(body: #"{"ok": true, "channel": "C05CHECKOUT1", "ts": "1700000000.000100"}"#)

    func slackMessage(channel: String = "C1", key: String = "findings:inc") throws -> OutboxMessage {
        try OutboxMessage(
            provider: "slack", operation: "post", target: channel, dedupKey: "findings-1",
            payload: SlackAPI.Post(incidentID: "inc", channel: channel, postKey: key, message: #"{"text": "hello"}"#),
            at: Date(timeIntervalSince1970: 1_795_185_600))
    }

    /// Slack and incident.io pointed at the fake servers, with tokens the tests look for in logs and the outbox.
    static func useFakeProviders(_ config: inout InquestConfig, slackURL: String, incidentIOURL: String) {
        config.integrations.slack.token = .literal(Secret("xoxb-slack-token-secret"))
        config.integrations.slack.apiBaseURL = slackURL
        config.integrations.slack.templatePath = repositoryFile("config/slack_findings.mustache")
        config.integrations.incidentIO.apiKey = .literal(Secret("inc-api-key-secret"))
        config.integrations.incidentIO.apiBaseURL = incidentIOURL
    }

    func dispatcher(
        _ env: TestEnvironment, slackURL: String? = nil, incidentIOURL: String? = nil, clock: TestClock,
        logs: LogCapture? = nil
    ) throws -> OutboxDispatcher {
        let database = try env.database()
        let logger = (logs ?? env.logs).logger()
        var providers: [any OutboundProvider] = []
        var incidentIO: IncidentIOAPI?
        if let incidentIOURL {
            incidentIO = IncidentIOAPI(
                settings: .init(apiKey: Secret("inc-api-key-secret"), baseURL: incidentIOURL), client: .shared,
                timeout: .seconds(2), logger: logger)
            providers.append(incidentIO!)
        }
        if let slackURL {
            providers.append(
                SlackAPI(
                    settings: .init(token: Secret("xoxb-slack-token-secret"), baseURL: slackURL), database: database,
                    incidentIO: incidentIO, client: .shared, timeout: .seconds(1), now: { clock.now },
                    logger: logger))
        }
        var settings = OutboxDispatcher.Settings()
        settings.retry.random = { 0.5 }
        settings.retry.maxAttempts = 3
        return OutboxDispatcher(
            database: database, providers: providers, settings: settings, now: { clock.now }, logger: logger)
    }

    func enqueue(_ message: OutboxMessage, _ env: TestEnvironment) throws {
        try env.database().write { db in _ = try Outbox.enqueue(message, in: db) }
    }

    func stored(_ env: TestEnvironment) throws -> [OutboxMessage] {
        try env.database().read { db in try OutboxMessage.order(Column("id")).fetchAll(db) }
    }

    @Test func signedIncidentEndsInOneSlackPostAndTheTimelineItems() async throws {
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        let incidentIO = FakeProvider(fallback: { _ in .init(status: .created, body: "{}") })
        try await slack.run { slackURL in
            try await incidentIO.run { incidentIOURL in
                let env = try TestEnvironment { config in
                    Self.useFakeProviders(&config, slackURL: slackURL, incidentIOURL: incidentIOURL)
                    config.services = [
                        .init(name: "checkout-service", dependsOn: ["payment-gateway"]), .init(name: "payment-gateway"),
                    ]
                }
                _ = try await ChangeLog(database: env.database()).ingest(Self.workedExampleChanges)
                let body = try Fixtures.data("incident-created.json")
                try await env.makeApp().test(.router) { client in
                    let response = try await env.deliver(body, with: client)
                    #expect(response.status == .accepted)
                    try await eventually { slack.requests.count >= 1 && incidentIO.requests.count >= 3 }
                }
            }
        }
        let posts = slack.requests
        #expect(posts.count == 1)
        #expect(posts.first?.path == "/chat.postMessage")
        #expect(posts.first?.authorization == "Bearer xoxb-slack-token-secret")
        #expect(posts.first?.body["channel"] as? String == "C05CHECKOUT1")
        // The whole Block Kit message for the worked example; the link token depends on the per-test signing key.
        let posted = try JSONSerialization.data(
            withJSONObject: try #require(posts.first?.body), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        let normalized = String(decoding: posted, as: UTF8.self)
            .replacing(#/token=[A-Za-z0-9_-]+/#, with: "token=TOKEN")
        let expected = String(decoding: try Fixtures.data("slack-findings-worked-example.json"), as: UTF8.self)
        #expect(normalized == expected)

        let items = incidentIO.requests
        #expect(items.map(\.path) == Array(repeating: "/v2/incident_timeline_items", count: 3))
        #expect(
            Set(items.compactMap { $0.body["idempotency_key"] as? String })
                == [
                    "inquest-investigation-1-investigation_start", "inquest-investigation-1-root_cause_found",
                    "inquest-investigation-1-investigation_complete",
                ])
        #expect(items.allSatisfy { $0.body["incident_id"] as? String == "01JD3X8Z4MP7Y0V6N2W5X3R9TB" })
    }

    @Test func ownWriteBackDoesNotReinvestigateButASeverityRaiseUpdatesTheSlackPost() async throws {
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        let incidentIO = FakeProvider(fallback: { _ in .init(status: .created, body: "{}") })
        try await slack.run { slackURL in
            try await incidentIO.run { incidentIOURL in
                let env = try TestEnvironment { config in
                    Self.useFakeProviders(&config, slackURL: slackURL, incidentIOURL: incidentIOURL)
                    config.integrations.incidentIO.timelineEntryTypes = [.investigationComplete]
                }
                @Sendable func deliver(_ body: Data, client: some TestClientProtocol) async throws {
                    let response = try await env.deliver(body, with: client)
                    #expect(response.status == .accepted)
                }
                @Sendable func settle(slackPosts: Int) async throws {
                    try await eventually { slack.requests.count >= slackPosts && incidentIO.requests.count >= slackPosts }
                }
                try await env.makeApp().test(.router) { client in
                    try await deliver(Fixtures.incidentDelivery(), client: client)
                    try await settle(slackPosts: 1)
                    // incident.io tells us about the timeline item we just wrote.
                    try await deliver(
                        Fixtures.incidentDelivery(
                            eventType: "public_incident.incident_updated_v2", updatedAt: "2026-11-20T14:41:00.000000Z"),
                        client: client)
                    try await env.settleOutbox()
                    #expect(slack.requests.count == 1)
                    env.clock.advance(900)
                    try await deliver(
                        Fixtures.incidentDelivery(
                            eventType: "public_incident.incident_updated_v2", severity: "Critical",
                            updatedAt: "2026-11-20T14:55:00.000000Z"),
                        client: client)
                    try await settle(slackPosts: 2)
                }
                let reasons = try await env.database().read { db in
                    try String.fetchAll(db, sql: "SELECT reason FROM investigations ORDER BY id")
                }
                #expect(reasons == ["incident created", "severity raised to P0"])
            }
        }
        #expect(slack.requests.map(\.path) == ["/chat.postMessage", "/chat.update"])
        #expect(slack.requests.last?.body["ts"] as? String == "1700000000.000100")
        #expect(
            incidentIO.requests.compactMap { $0.body["idempotency_key"] as? String }
                == ["inquest-investigation-1-investigation_complete", "inquest-investigation-2-investigation_complete"])
    }

    @Test func serverErrorsAreRetriedWithBackoffThenSentOnce() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        slack.script(.init(status: .internalServerError, body: "{}"), .init(status: .badGateway, body: "{}"))
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            #expect(try await dispatcher.runOnce())
            var message = try #require(try stored(env).first)
            #expect(message.state == .pending)
            #expect(message.lastError == "HTTP 500")
            // Full jitter with random pinned at 0.5: half of 2 s after the first failure.
            #expect(message.nextAttemptAt == clock.now.addingTimeInterval(1))
            #expect(try await dispatcher.runOnce() == false)  // not due yet
            clock.advance(1)
            #expect(try await dispatcher.runOnce())
            message = try #require(try stored(env).first)
            #expect(message.nextAttemptAt == clock.now.addingTimeInterval(2))  // half of 4 s
            clock.advance(2)
            #expect(try await dispatcher.runOnce())
            message = try #require(try stored(env).first)
            #expect(message.state == .sent)
            #expect(message.attempts == 3)
        }
        #expect(slack.requests.count == 3)
    }

    @Test func retryAfterIsHonoured() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        slack.script(.init(status: .tooManyRequests, headers: ["Retry-After": "30"], body: "{}"))
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            #expect(try await dispatcher.runOnce())
            let message = try #require(try stored(env).first)
            #expect(message.state == .pending)
            #expect(message.nextAttemptAt == clock.now.addingTimeInterval(30))
            clock.advance(29)
            #expect(try await dispatcher.runOnce() == false)
            clock.advance(1)
            #expect(try await dispatcher.runOnce())
            #expect(try stored(env).first?.state == .sent)
        }
    }

    @Test func slackRefusalsAreDeadWithTheReasonAndNotRetried() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in .init(body: #"{"ok": false, "error": "channel_not_found"}"#) })
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            #expect(try await dispatcher.runOnce())
            let message = try #require(try stored(env).first)
            #expect(message.state == .dead)
            #expect(message.lastError?.contains("channel_not_found") == true)
            clock.advance(3600)
            #expect(try await dispatcher.runOnce() == false)
        }
        #expect(slack.requests.count == 1)
    }

    @Test func slackRatelimitedAnswerIsRetried() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        slack.script(.init(body: #"{"ok": false, "error": "ratelimited"}"#))
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            #expect(try await dispatcher.runOnce())
            #expect(try stored(env).first?.state == .pending)
        }
    }

    @Test func aSecondPostForTheSameIncidentUpdatesTheFirstInPlace() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            var second = try slackMessage()
            second.dedupKey = "findings-2"
            try enqueue(second, env)
            #expect(try await dispatcher.runOnce())
            clock.advance(5)
            #expect(try await dispatcher.runOnce())
        }
        #expect(slack.requests.map(\.path) == ["/chat.postMessage", "/chat.update"])
        #expect(slack.requests.last?.body["ts"] as? String == "1700000000.000100")
        #expect(slack.requests.last?.body["channel"] as? String == "C05CHECKOUT1")
    }

    @Test func anEditWaitsForItsPostWithoutSpendingAttempts() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            var edit = try slackMessage()
            edit.operation = "update"
            edit.dedupKey = "acknowledged"
            try enqueue(edit, env)
            // Longer than max_attempts (3 here) tries' worth of waiting: the edit stays pending, unspent.
            for _ in 0..<5 {
                #expect(try await dispatcher.runOnce())
                clock.advance(2)
            }
            var message = try #require(try stored(env).first)
            #expect(message.state == .pending)
            #expect(message.attempts == 0)
            #expect(message.lastError == "the message to update has not been posted yet")
            #expect(slack.requests.isEmpty)

            try enqueue(slackMessage(), env)
            for _ in 0..<5 where slack.requests.count < 2 {
                _ = try await dispatcher.runOnce()
                clock.advance(2)
            }
            message = try #require(try stored(env).first)
            #expect(message.state == .sent)
        }
        // The post was queued after the edit, so it already shows the later state: the older edit is not sent
        // over it (edits of one post apply in queue order).
        #expect(slack.requests.map(\.path) == ["/chat.postMessage"])
    }

    @Test func messagesOfOneSequenceLeaveInTheOrderQueuedEvenWhenTheFirstMustBeRetried() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        slack.script(.init(status: .internalServerError, body: #"{"ok": false, "error": "internal_error"}"#))
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            for (index, text) in ["first", "second"].enumerated() {
                var message = try OutboxMessage(
                    provider: "slack", operation: "post", target: "C1", dedupKey: "seq-\(index)",
                    payload: SlackAPI.Post(incidentID: "inc", channel: "C1", postKey: "k-\(index)", message: #"{"text": "\#(text)"}"#),
                    sequence: "alert:inc", at: clock.now)
                message.nextAttemptAt = clock.now
                try enqueue(message, env)
            }
            #expect(try await dispatcher.runOnce())  // the first fails and backs off
            #expect(try await dispatcher.runOnce() == false)  // the second is due, but waits behind it
            clock.advance(600)
            #expect(try await dispatcher.runOnce())
            #expect(try await dispatcher.runOnce())
        }
        #expect(slack.requests.map { $0.body["text"] as? String } == ["first", "first", "second"])
    }

    @Test func aPostWhoseWhereaboutsCannotBeRecordedIsLoggedNotSilentlyLost() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let slack = FakeProvider(fallback: { _ in Self.slackOK })
        try await env.database().write { db in
            try db.execute(sql: "CREATE TRIGGER blip BEFORE INSERT ON slack_posts BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
        }
        try await slack.run { url in
            let dispatcher = try dispatcher(env, slackURL: url, clock: clock)
            try enqueue(slackMessage(), env)
            #expect(try await dispatcher.runOnce())
        }
        #expect(slack.requests.count == 1)
        #expect(try stored(env).first?.state == .sent)  // it is in Slack: sending it again would post it twice
        #expect(env.logs.all.contains { $0.contains("posted to Slack but could not record where") && $0.contains("disk I/O error") })
    }

    @Test func timeline404FallsBackToOneAttachment() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let incidentIO = FakeProvider(fallback: { path in
            path.hasSuffix("timeline_items")
                ? .init(status: .notFound, body: #"{"type": "not_found", "status": 404}"#)
                : .init(status: .created, body: "{}")
        })
        try await incidentIO.run { url in
            let dispatcher = try dispatcher(env, incidentIOURL: url, clock: clock)
            for (type, attach) in [("investigation_start", false), ("investigation_complete", true)] {
                let item = IncidentIOAPI.TimelineItem(
                    incidentID: "inc", idempotencyKey: "inquest-investigation-1-\(type)", title: "t",
                    timestamp: "2026-11-20T14:40:00Z", description: "d", pageURL: "http://localhost/investigations/1?token=x",
                    attachOnFallback: attach)
                try enqueue(
                    OutboxMessage(
                        provider: "incident_io", operation: "timeline_item", target: "inc", dedupKey: item.idempotencyKey,
                        payload: item, at: clock.now), env)
            }
            #expect(try await dispatcher.runOnce())
            #expect(try await dispatcher.runOnce())
        }
        #expect(try stored(env).allSatisfy { $0.state == .sent })
        #expect(
            incidentIO.requests.map(\.path)
                == ["/v2/incident_timeline_items", "/v2/incident_timeline_items", "/v1/incident_attachments"])
        let attachment = try #require(incidentIO.requests.last?.body["resource"] as? [String: Any])
        #expect(attachment["resource_type"] as? String == "arbitrary_url")
    }

    @Test func validationErrorsAreDeadWithIncidentIOsMessage() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let incidentIO = FakeProvider(fallback: { _ in
            .init(status: .unprocessableContent, body: #"{"type": "validation_error", "errors": [{"message": "incident not found"}]}"#)
        })
        try await incidentIO.run { url in
            let dispatcher = try dispatcher(env, incidentIOURL: url, clock: clock)
            let update = IncidentIOAPI.IncidentUpdate(incidentID: "inc", idempotencyKey: "k", message: "m", pageURL: nil)
            try enqueue(
                OutboxMessage(
                    provider: "incident_io", operation: "incident_update", target: "inc", dedupKey: "k", payload: update,
                    at: clock.now), env)
            #expect(try await dispatcher.runOnce())
        }
        let message = try #require(try stored(env).first)
        #expect(message.state == .dead)
        #expect(message.lastError == "HTTP 422: incident not found")
    }

    @Test func aMessageClaimedWhenTheProcessDiedIsResentWithTheSameKey() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let incidentIO = FakeProvider(fallback: { _ in .init(status: .created, body: "{}") })
        let update = IncidentIOAPI.IncidentUpdate(
            incidentID: "inc", idempotencyKey: "inquest-investigation-7-update", message: "m", pageURL: nil)
        try enqueue(
            OutboxMessage(
                provider: "incident_io", operation: "incident_update", target: "inc", dedupKey: update.idempotencyKey,
                payload: update, at: clock.now), env)
        // The "crashed" process claimed it and died before marking it sent.
        #expect(try await Outbox(database: env.database()).claimDue(limit: 10, now: clock.now).count == 1)
        #expect(try stored(env).first?.state == .sending)
        try await incidentIO.run { url in
            let dispatcher = try dispatcher(env, incidentIOURL: url, clock: clock)
            #expect(try await Outbox(database: env.database()).recoverClaimed(now: clock.now) == 1)
            #expect(try await dispatcher.runOnce())
        }
        #expect(incidentIO.requests.count == 1)
        #expect(incidentIO.requests.first?.body["idempotency_key"] as? String == "inquest-investigation-7-update")
        #expect(try stored(env).first?.state == .sent)
    }

    @Test func refusedConnectionsRetryAndSecretsStayOutOfLogsAndTheOutbox() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let logs = LogCapture()
        let dispatcher = try dispatcher(env, slackURL: "http://127.0.0.1:9", clock: clock, logs: logs)
        try enqueue(slackMessage(), env)
        #expect(try await dispatcher.runOnce())
        let message = try #require(try stored(env).first)
        #expect(message.state == .pending)
        #expect(message.lastError?.isEmpty == false)
        let everything = logs.text + (try stored(env).map { "\($0)" }.joined())
        #expect(!everything.contains("xoxb-slack-token-secret"))
        #expect(logs.text.contains("outbound message failed; will retry"))
    }

    @Test func theInvestigationPageNeedsItsTokenOrTheAdminToken() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await env.deliver(body, with: client)
            let denied = try await client.execute(uri: "/investigations/1?token=wrong", method: .get)
            #expect(denied.status == .forbidden)
            let admin = try await client.execute(
                uri: "/investigations/1", method: .get, headers: [.authorization: "Bearer \(env.adminToken)"])
            #expect(admin.status == .ok)
            #expect(String(buffer: admin.body).contains("Status: queued"))
            let outbox = try await client.execute(
                uri: "/api/outbox?state=dead", method: .get, headers: [.authorization: "Bearer \(env.adminToken)"])
            #expect(outbox.status == .ok)
            let unauthorized = try await client.execute(uri: "/api/outbox", method: .get)
            #expect(unauthorized.status == .unauthorized)
        }
    }

    @Test func aBrokenTemplateFailsAtStartup() throws {
        #expect(throws: SlackMessageTemplate.Failure.self) {
            try SlackFindingsTemplate(text: #"{"text": "{{#cause}}unclosed"}"#)
        }
        #expect(throws: SlackMessageTemplate.Failure.self) {
            try SlackFindingsTemplate(text: #"{"blocks": [{{summary}}]}"#)
        }
        #expect(throws: Never.self) {
            try SlackFindingsTemplate(path: Self.repositoryFile("config/slack_findings.mustache"))
        }
    }

    static func repositoryFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(path).path
    }

    static let workedExampleChanges: [Change] = [
        Change(
            source: "ci", externalID: "pg-2.0.9", service: "payment-gateway", kind: .deploy,
            summary: "Deploy payment-gateway v2.0.9", version: "v2.0.9", occurredAt: Date(rfc3339: "2026-11-19T09:00:00Z")!),
        Change(
            source: "ci", externalID: "pg-2.1.0", service: "payment-gateway", kind: .deploy,
            summary: "Deploy payment-gateway v2.1.0", version: "v2.1.0", occurredAt: Date(rfc3339: "2026-11-20T14:30:00Z")!),
        Change(
            source: "ci", externalID: "search-v7", service: "search", kind: .deploy, summary: "Deploy search v7",
            version: "v7", occurredAt: Date(rfc3339: "2026-11-20T11:00:00Z")!),
        Change(
            source: "config-repo", externalID: "notif", service: "notifications", kind: .config,
            summary: "Raise notification batch size to 500", occurredAt: Date(rfc3339: "2026-11-20T14:20:00Z")!),
    ]
}
