import Alerting
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import NIOCore
import Outbound
import Testing
import WebhookIn

/// What Inquest sends, checked against the vendors' own schemas (copies in `Fixtures/vendor-schemas/`, checked by
/// `scripts/vendor_contract.py` with python `jsonschema`), with outside data at and past Block Kit's limits.
@Suite struct VendorContractTests {
    /// Fails the test with the validator's findings when `body` breaks the vendor's contract.
    static func expectContract(
        _ kind: String, _ body: Data, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).json")
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Command.run(
            "/usr/bin/env", ["python3", OutboundTests.repositoryFile("scripts/vendor_contract.py"), kind, file.path])
        #expect(result.status == 0, "\(kind): \(result.output)", sourceLocation: sourceLocation)
    }

    static let releaseNotes =
        "Deploy payment-gateway v2.1.0 — " + String(repeating: "fix(retry): handle <partial> card & token refresh | ", count: 80)

    @Test func findingsWithHugeOutsideTextFitSlackAndIncidentIO() async throws {
        let slack = FakeProvider(fallback: { _ in OutboundTests.slackOK })
        let incidentIO = FakeProvider(fallback: { _ in .init(status: .created, body: "{}") })
        try await slack.run { slackURL in
            try await incidentIO.run { incidentIOURL in
                let env = try TestEnvironment { config in
                    OutboundTests.useFakeProviders(&config, slackURL: slackURL, incidentIOURL: incidentIOURL)
                    config.services = [
                        .init(name: "checkout-service", dependsOn: ["payment-gateway"]), .init(name: "payment-gateway"),
                    ]
                }
                var changes = OutboundTests.workedExampleChanges
                changes[1].summary = Self.releaseNotes
                changes[1].url = "https://ci.example.com/run/1?a=1|b=<2>"
                _ = try await ChangeLog(database: env.database()).ingest(changes)
                var incident = try JSONSerialization.jsonObject(with: Fixtures.data("incident-created.json")) as! [String: Any]
                var detail = incident["public_incident.incident_created_v2"] as! [String: Any]
                detail["name"] = "Checkout failing " + String(repeating: "for every customer in every region ", count: 120)
                incident["public_incident.incident_created_v2"] = detail
                let body = try JSONSerialization.data(withJSONObject: incident)
                try await env.makeApp().test(.router) { client in
                    #expect(try await env.deliver(body, with: client).status == .accepted)
                    try await eventually { slack.requests.count >= 1 && incidentIO.requests.count >= 3 }
                }
                let outbox = try await env.database().read { db in try OutboxMessage.fetchAll(db) }
                #expect(outbox.allSatisfy { $0.state == .sent }, "\(outbox.map { "\($0.state) \($0.lastError ?? "")" })")
            }
        }
        let post = try #require(slack.requests.first)
        try Self.expectContract("slack-message", post.data)
        let blocks = try #require(post.body["blocks"] as? [[String: Any]])
        let texts = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        #expect(texts.contains { $0.contains("|(more)>") })
        #expect(texts.contains { $0.contains("<https://ci.example.com/run/1?a=1%7Cb=%3C2%3E|payment-gateway deploy v2.1.0") })
        for item in incidentIO.requests { try Self.expectContract("incident-io-timeline-item", item.data) }
    }

    @Test func alertsWithLongSummariesAndForeignTimestampsFitSlackAndPagerDuty() async throws {
        let fakes = AlertEscalationTests.Providers()
        try await fakes.run { env in
            var object = try JSONSerialization.jsonObject(with: AlertEscalationTests.firing) as! [String: Any]
            var annotations = object["commonAnnotations"] as! [String: Any]
            annotations["summary"] = "Checkout 5xx above 5 % " + String(repeating: "in every region and cell ", count: 20)
            object["commonAnnotations"] = annotations
            var alerts = object["alerts"] as! [[String: Any]]
            alerts[0]["startsAt"] = "2026-11-20 14:35:00"
            object["alerts"] = alerts
            let body = try JSONSerialization.data(withJSONObject: object)
            try await env.makeApp().test(.router) { client in
                let response = try await AlertEscalationTests().post(body, query: "?oncall_wait_minutes=0", env, client)
                #expect(response.status == .created)
                try await eventually { fakes.slack.requests.count >= 1 && fakes.pagerDuty.requests.count >= 1 }
            }
            try Self.expectContract("slack-message", try #require(fakes.slack.requests.first).data)
            let page = try #require(fakes.pagerDuty.requests.first)
            try Self.expectContract("pagerduty-event", page.data)
            #expect((page.body["payload"] as? [String: Any])?["timestamp"] == nil)
        }
    }

    @Test func incidentIOAlertEventsMatchTheAlertSourceSchema() async throws {
        let fakes = AlertEscalationTests.Providers()
        try await fakes.run(provider: .incidentIO) { env in
            try await env.makeApp().test(.router) { client in
                _ = try await AlertEscalationTests().post(AlertEscalationTests.firing, query: "?oncall_wait_minutes=0", env, client)
                try await eventually { fakes.incidentIO.requests.count >= 1 }
            }
            try Self.expectContract("incident-io-alert-event", try #require(fakes.incidentIO.requests.first).data)
        }
    }

    @Test func anIncidentUpdateThatAnswers404AttachesThePageInstead() async throws {
        let env = try TestEnvironment.queueOnly()
        let clock = TestClock(env.now)
        let incidentIO = FakeProvider(fallback: { path in
            path.hasSuffix("incident_updates")
                ? .init(status: .notFound, body: #"{"type": "not_found", "status": 404}"#)
                : .init(status: .created, body: "{}")
        })
        try await incidentIO.run { url in
            let dispatcher = try OutboundTests().dispatcher(env, incidentIOURL: url, clock: clock)
            let update = IncidentIOAPI.IncidentUpdate(
                incidentID: "inc", idempotencyKey: "inquest-investigation-1-update", message: "Inquest: findings",
                pageURL: "http://localhost:3000/investigations/1?token=x")
            try OutboundTests().enqueue(
                OutboxMessage(
                    provider: "incident_io", operation: "incident_update", target: "inc", dedupKey: update.idempotencyKey,
                    payload: update, at: clock.now), env)
            #expect(try await dispatcher.runOnce())
        }
        #expect(try OutboundTests().stored(env).first?.state == .sent)
        #expect(incidentIO.requests.map(\.path) == ["/v2/incident_updates", "/v1/incident_attachments"])
        try Self.expectContract("incident-io-update", incidentIO.requests[0].data)
        try Self.expectContract("incident-io-attachment", incidentIO.requests[1].data)
        #expect((incidentIO.requests[1].body["resource"] as? [String: Any])?["url"] as? String
            == "http://localhost:3000/investigations/1?token=x")
    }

    @Test func slacksTwoSpellingsOfRateLimitedAreBothRetried() async throws {
        for spelling in ["rate_limited", "ratelimited"] {
            let env = try TestEnvironment.queueOnly()
            let clock = TestClock(env.now)
            let slack = FakeProvider(fallback: { _ in OutboundTests.slackOK })
            slack.script(.init(body: #"{"ok": false, "error": "\#(spelling)"}"#))
            try await slack.run { url in
                let dispatcher = try OutboundTests().dispatcher(env, slackURL: url, clock: clock)
                try OutboundTests().enqueue(OutboundTests().slackMessage(), env)
                #expect(try await dispatcher.runOnce())
                #expect(try OutboundTests().stored(env).first?.state == .pending, "\(spelling)")
            }
        }
    }

    @Test func aUserTemplateIsCutToBlockKitsLimitsToo() throws {
        let blocks = (0..<80).map { _ in
            #"{"type": "section", "text": {"type": "mrkdwn", "text": "{{summary}} {{summary}} {{summary}} {{summary}} {{summary}} {{summary}} {{summary}} {{summary}} {{summary}} {{summary}}"}}"#
        }
        let template = try SlackFindingsTemplate(
            text: #"{"text": "{{summary}}", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "{{title}} {{title}} {{title}} {{title}} {{title}}"}}, "#
                + blocks.joined(separator: ", ")
                + #", {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "{{{page_url}}}"}]}]}"#)
        var incident = IncidentIOIncident(id: "01LONG")
        incident.name = String(repeating: "Checkout & payments <down> ", count: 20)
        incident.summary = String(repeating: "x", count: 400)
        let context = IncidentContext(
            incident: incident, priority: .p1, catalog: ServiceCatalog(), defaultEnvironment: nil, fallbackStart: Date())
        let findings = Findings(
            incident: context,
            result: Correlator(settings: CorrelationSettings(), catalog: ServiceCatalog()).correlate(context, changes: []))
        let message = try template.render(findings, pageURL: "https://inquest.example.com/investigations/9?token=t")
        var object = try JSONSerialization.jsonObject(with: Data(message.utf8)) as! [String: Any]
        let rendered = object["blocks"] as! [[String: Any]]
        #expect(rendered.count == 50)
        #expect(rendered.last?["type"] as? String == "actions")
        object["channel"] = "C1"
        try Self.expectContract("slack-message", try JSONSerialization.data(withJSONObject: object))
    }
}
