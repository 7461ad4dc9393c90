import Alerting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import NIOCore
import Outbound
import Testing
import WebhookIn

/// Alertmanager → Slack notification → wait for an ack → page, against fake Slack, PagerDuty and incident.io
/// servers on loopback, with time moved by hand.
@Suite struct AlertEscalationTests {
    static let firing = try! Fixtures.data("alertmanager-firing.json")

    /// The fixture with another `groupKey`, status, receiver (Alertmanager's per-team webhook, each with its own
    /// query string) or alert fingerprint.
    static func alert(
        group: String? = nil, status: String = "firing", receiver: String? = nil, fingerprint: String? = nil
    ) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: firing) as! [String: Any]
        if let group { object["groupKey"] = group }
        if let receiver { object["receiver"] = receiver }
        if let fingerprint {
            var alerts = object["alerts"] as! [[String: Any]]
            alerts[0]["fingerprint"] = fingerprint
            object["alerts"] = alerts
        }
        object["status"] = status
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// Fakes for Slack and both on-call providers, and an environment pointing at them.
    struct Providers: Sendable {
        let slack = FakeProvider(fallback: { path in
            .init(body: #"{"ok": true, "channel": "C0ALERTS", "ts": "1700000000.000200"}"#)
        })
        let pagerDuty = FakeProvider(fallback: { _ in
            .init(status: .accepted, body: #"{"status": "success", "message": "Event processed"}"#)
        })
        let incidentIO = FakeProvider(fallback: { _ in
            .init(status: .accepted, body: #"{"status": "success", "message": "Event accepted for processing"}"#)
        })

        func run(
            provider: OncallEvent.Provider = .pagerDuty, configure: @escaping @Sendable (inout InquestConfig) -> Void = { _ in },
            _ body: @Sendable (TestEnvironment) async throws -> Void
        ) async throws {
            try await slack.run { slackURL in
                try await pagerDuty.run { pagerDutyURL in
                    try await incidentIO.run { incidentIOURL in
                        let env = try TestEnvironment { config in
                            config.investigations.enabled = false
                            config.alert.slack.token = .literal(Secret("xoxb-alert-token-secret"))
                            config.alert.slack.apiBaseURL = slackURL
                            config.alert.slack.channelID = "C0ALERTS"
                            config.alert.slack.signingSecret = .literal(Secret("slack-signing-secret"))
                            config.alert.slack.templatePath = OutboundTests.repositoryFile("config/slack_alert.mustache")
                            config.oncall.provider = provider
                            config.oncall.pagerDuty.routingKey = .literal(Secret("pd-routing-key-secret"))
                            config.oncall.pagerDuty.otherRoutingKeys = ["infra": .literal(Secret("pd-infra-key-secret"))]
                            config.oncall.pagerDuty.eventsURL = pagerDutyURL + "/v2/enqueue"
                            config.oncall.incidentIO.apiKey = .literal(Secret("inc-alert-source-token"))
                            config.oncall.incidentIO.apiBaseURL = incidentIOURL
                            config.oncall.incidentIO.alertSourceConfigID = "01ALERTSOURCE"
                            config.oncall.incidentIO.otherAlertSourceConfigIDs = ["infra": "01INFRASOURCE"]
                            config.oncall.incidentIO.metadata = ["team": "platform"]
                            configure(&config)
                        }
                        try await body(env)
                    }
                }
            }
        }
    }

    func post(
        _ body: Data, query: String = "", _ env: TestEnvironment, _ client: some TestClientProtocol,
        authorization: String? = nil
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/incidents" + query, method: .post,
            headers: [.authorization: authorization ?? "Bearer \(env.alertmanagerToken)", .contentType: "application/json"],
            body: ByteBuffer(bytes: body))
    }

    func count(_ sql: String, _ env: TestEnvironment) async throws -> Int {
        try await env.database().read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    func ackURL(in slack: FakeProvider) throws -> URL {
        let blocks = try #require(slack.requests.first?.body["blocks"] as? [[String: Any]])
        let actions = try #require(blocks.first { $0["type"] as? String == "actions" }?["elements"] as? [[String: Any]])
        let url = try #require(actions.first?["url"] as? String)
        return try #require(URL(string: url))
    }

    @Test func immediatePageCarriesTheAlertAndTheIncidentAsDedupKey() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let response = try await post(Self.firing, query: "?oncall_wait_minutes=0", env, client)
                #expect(response.status == .created)
                let id = try #require(response.json["incident_id"] as? String)
                #expect(response.json["escalates_at"] as? String == env.now.rfc3339)
                try await eventually { fakes.pagerDuty.requests.count >= 1 && fakes.slack.requests.count >= 1 }

                let page = try #require(fakes.pagerDuty.requests.first)
                #expect(page.path == "/v2/enqueue")
                #expect(page.body["routing_key"] as? String == "pd-routing-key-secret")
                #expect(page.body["event_action"] as? String == "trigger")
                #expect(page.body["dedup_key"] as? String == id)
                let payload = try #require(page.body["payload"] as? [String: Any])
                #expect(payload["summary"] as? String == "Checkout 5xx rate above 5 %")
                #expect(payload["severity"] as? String == "critical")
                #expect(payload["timestamp"] as? String == "2026-11-20T14:35:00Z")
                #expect((payload["custom_details"] as? [String: Any])?["labels"] as? [String: String] != nil)
                let links = (page.body["links"] as? [[String: String]] ?? []).compactMap { $0["href"] }
                #expect(links.contains("http://alertmanager.example.com:9093"))
                #expect(links.contains { $0.hasPrefix("http://prometheus.example.com:9090/graph") })

                #expect(fakes.slack.requests.first?.path == "/chat.postMessage")
                #expect(fakes.slack.requests.first?.authorization == "Bearer xoxb-alert-token-secret")
                #expect(fakes.slack.requests.first?.body["channel"] as? String == "C0ALERTS")
                #expect(try ackURL(in: fakes.slack).path == "/api/incidents/ack/\(id)")
                let message = String(decoding: fakes.slack.requests.first?.data ?? Data(), as: UTF8.self)
                #expect(message.contains("On-call paged at 2026-11-20 14:40:00 UTC"))
                #expect(message.contains("Checkout 5xx rate above 5 %"))
                try await env.settle()
            }
            #expect(fakes.slack.requests.count == 1)
            #expect(!env.logs.all.contains { $0.contains("pd-routing-key-secret") || $0.contains("xoxb-alert-token-secret") })
            let outbox = try await env.database().read { db in try String.fetchAll(db, sql: "SELECT payload FROM outbox_messages") }
            #expect(!outbox.contains { $0.contains("pd-routing-key-secret") || $0.contains("xoxb-alert-token-secret") })
        }
    }

    @Test func ackLinkBeforeTheWaitCancelsThePage() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let response = try await post(Self.firing, env, client)
                #expect(response.json["escalates_at"] as? String == env.now.addingTimeInterval(180).rfc3339)
                try await eventually { fakes.slack.requests.count >= 1 }
                let link = try ackURL(in: fakes.slack)
                let uri = link.path + "?" + (link.query ?? "")

                // What a link unfurler or mail scanner does: a GET. It must not acknowledge.
                let page = try await client.execute(uri: uri, method: .get)
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("<form method=\"post\" action=\"\(link.absoluteString)\">"))
                let forged = try await client.execute(uri: link.path + "?token=1999999999.forged", method: .get)
                #expect(forged.status == .forbidden)

                let ack = try await client.execute(
                    uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "by=Sam+Rivera"))
                #expect(ack.status == .ok)
                #expect(String(buffer: ack.body).contains("Acknowledged by Sam Rivera. On-call will not be paged."))
                let again = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: "by=Alex"))
                #expect(again.status == .ok)
                #expect(String(buffer: again.body).contains("Already acknowledged by Sam Rivera"))
                #expect(env.logs.all.contains { $0.contains("alert acknowledged by link") && $0.contains("Sam Rivera") })
                #expect(env.logs.all.contains { $0.contains("acknowledgement refused: link invalid or expired") })

                // An edit that found its post not yet sent was put off by the clock: let that settle before moving it.
                try await env.settleOutbox()
                env.clock.advance(600)
                try await eventually { fakes.slack.requests.count >= 2 }
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.isEmpty)
            #expect(fakes.slack.requests.map(\.path) == ["/chat.postMessage", "/chat.update"])
            #expect(fakes.slack.requests.last?.body["ts"] as? String == "1700000000.000200")
            let update = String(decoding: fakes.slack.requests.last?.data ?? Data(), as: UTF8.self)
            #expect(update.contains("Acknowledged by Sam Rivera"))
            #expect(!update.contains("\"Acknowledge\""))
        }
    }

    @Test func ackLinksExpireAndNameOneIncident() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, env, client).json["incident_id"] as? String)
                let key = try String(contentsOf: env.directory.appendingPathComponent("vault-dev/secrets/link-signing-key"), encoding: .utf8)
                let links = SignedLinks(signingKey: Secret(key), publicHost: env.config.publicHost)
                let other = links.ackToken(for: "alert-unknown", expires: env.now.addingTimeInterval(60))
                let unknown = try await client.execute(uri: "/api/incidents/ack/alert-unknown?token=\(other)", method: .get)
                #expect(unknown.status == .notFound)
                let wrongIncident = try await client.execute(uri: "/api/incidents/ack/\(id)?token=\(other)", method: .post)
                #expect(wrongIncident.status == .forbidden)
                let token = links.ackToken(for: id, expires: env.now.addingTimeInterval(60))
                env.clock.advance(61)
                let expired = try await client.execute(uri: "/api/incidents/ack/\(id)?token=\(token)", method: .post)
                #expect(expired.status == .forbidden)
                #expect(expired.json["error"] as? String == "this acknowledgement link is invalid or has expired")
            }
        }
    }

    func interaction(_ id: String, user: String, _ env: TestEnvironment, secret: String = "slack-signing-secret")
        -> (HTTPFields, ByteBuffer)
    {
        let json = #"{"type": "block_actions", "user": {"id": "U123", "username": "\#(user)"}, "actions": [{"action_id": "acknowledge", "value": "\#(id)"}]}"#
        let body = "payload=" + json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let timestamp = Int64(env.now.timeIntervalSince1970)
        let signature = SlackRequestSignature.sign(body: Data(body.utf8), timestamp: timestamp, secret: Secret(secret))
        return (
            [
                .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Slack-Signature")!: signature,
                HTTPField.Name("X-Slack-Request-Timestamp")!: String(timestamp),
            ], ByteBuffer(string: body)
        )
    }

    @Test func signedSlackButtonAcknowledgesAsTheUserAndABadSignatureIs401() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, env, client).json["incident_id"] as? String)
                try await eventually { fakes.slack.requests.count >= 1 }  // the button exists once the post does
                let (badHeaders, badBody) = interaction(id, user: "mallory", env, secret: "wrong-secret")
                let bad = try await client.execute(uri: "/api/slack/interactions", method: .post, headers: badHeaders, body: badBody)
                #expect(bad.status == .unauthorized)

                let (headers, body) = interaction(id, user: "sam.rivera", env)
                let good = try await client.execute(uri: "/api/slack/interactions", method: .post, headers: headers, body: body)
                #expect(good.status == .ok)
                // An edit that found its post not yet sent was put off by the clock: let that settle before moving it.
                try await env.settleOutbox()
                env.clock.advance(600)
                try await eventually { fakes.slack.requests.count >= 2 }
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.isEmpty)
            let update = String(decoding: fakes.slack.requests.last?.data ?? Data(), as: UTF8.self)
            #expect(fakes.slack.requests.last?.path == "/chat.update")
            #expect(update.contains("Acknowledged by sam.rivera"))
        }
    }

    @Test func unknownOverrideNameIs400AndNothingIsRecordedOrSent() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let response = try await post(Self.firing, query: "?pagerduty_other_routing_key=payments", env, client)
                #expect(response.status == .badRequest)
                #expect(
                    response.json["error"] as? String
                        == #"pagerduty_other_routing_key "payments" is not a name under oncall.pagerduty.other_routing_keys (configured: infra)"#)
                let invalid = try await post(Self.firing, query: "?oncall_wait_minutes=soon", env, client)
                #expect(invalid.status == .badRequest)
                let unauthorized = try await post(Self.firing, env, client, authorization: "Bearer nope")
                #expect(unauthorized.status == .unauthorized)
            }
            #expect(try await count("SELECT COUNT(*) FROM alert_incidents", env) == 0)
            #expect(try await count("SELECT COUNT(*) FROM outbox_messages", env) == 0)
        }
    }

    @Test func overridesApplyToTheirRequestOnly() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let first = try await post(
                    Self.alert(group: "a", receiver: "infra"), query: "?pagerduty_other_routing_key=infra&oncall_wait_minutes=0", env, client)
                #expect(first.json["escalates_at"] as? String == env.now.rfc3339)
                let second = try await post(Self.alert(group: "b", receiver: "payments"), env, client)
                #expect(second.json["escalates_at"] as? String == env.now.addingTimeInterval(180).rfc3339)
                let off = try await post(Self.alert(group: "c", receiver: "quiet"), query: "?oncall_enable=false", env, client)
                #expect(off.status == .created)
                #expect(off.json["escalates_at"] == nil)
                try await eventually { fakes.pagerDuty.requests.count >= 1 }
                // The wait runs from when the post is visible in Slack.
                try await env.settleOutbox()
                env.clock.advance(181)
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                try await env.settle()
            }
            let keys = fakes.pagerDuty.requests.compactMap { $0.body["routing_key"] as? String }
            #expect(keys == ["pd-infra-key-secret", "pd-routing-key-secret"])
            #expect(env.config.oncall.waitMinutes == 3)
        }
    }

    @Test func aGroupResentWhileOpenIsTheSameIncident() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let first = try await post(Self.firing, env, client)
                let again = try await post(Self.firing, env, client)
                #expect(first.status == .created)
                #expect(again.status == .ok)
                #expect(again.json["status"] as? String == "already open")
                #expect(again.json["incident_id"] as? String == first.json["incident_id"] as? String)
                try await eventually { fakes.slack.requests.count >= 1 }
                try await env.settle()
            }
            #expect(fakes.slack.requests.count == 1)
            #expect(try await count("SELECT COUNT(*) FROM alert_incidents", env) == 1)
        }
    }

    @Test func aGroupFiringAgainAfterALostResolveIsANewIncident() async throws {
        let fakes = Providers()
        var refired = try JSONSerialization.jsonObject(with: Self.firing) as! [String: Any]
        var alerts = refired["alerts"] as! [[String: Any]]
        alerts[0]["startsAt"] = "2026-11-20T16:05:00Z"  // the same alert, firing again: its resolve never came
        refired["alerts"] = alerts
        let again = try JSONSerialization.data(withJSONObject: refired)
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let first = try await post(Self.firing, env, client)
                try await eventually { fakes.slack.requests.count >= 1 }
                let second = try await post(again, env, client)
                #expect(second.status == .created)
                let firstID = try #require(first.json["incident_id"] as? String)
                #expect(second.json["incident_id"] as? String != firstID)
                try await eventually { fakes.slack.requests.count >= 3 }
                try await env.settle()
                let statuses = try await env.database().read { db in
                    try String.fetchAll(db, sql: "SELECT status FROM alert_incidents ORDER BY created_at, rowid")
                }
                #expect(statuses == ["resolved", "firing"])
            }
            // The old post is edited to resolved, and the new firing gets its own post.
            #expect(fakes.slack.requests.map(\.path).sorted() == ["/chat.postMessage", "/chat.postMessage", "/chat.update"])
        }
    }

    /// The group as Alertmanager sends it when the same alert fires again after resolving: same fingerprint, a new
    /// `startsAt`; with another `groupKey` when a route was edited in between.
    static func firingAgain(startsAt: String, group: String? = nil) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: firing) as! [String: Any]
        var alerts = object["alerts"] as! [[String: Any]]
        alerts[0]["startsAt"] = startsAt
        object["alerts"] = alerts
        if let group { object["groupKey"] = group }
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// What Alertmanager sends when the group resolves: the alerts resolved, with their `endsAt`.
    static func resolvedGroup(group: String? = nil) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: firing) as! [String: Any]
        object["status"] = "resolved"
        var alerts = object["alerts"] as! [[String: Any]]
        alerts[0]["status"] = "resolved"
        alerts[0]["endsAt"] = "2026-11-20T14:45:00Z"
        object["alerts"] = alerts
        if let group { object["groupKey"] = group }
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func aPagedGroupFlappingReopensItsIncidentAndPagesUnderTheSameDedupKey() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, query: "?oncall_wait_minutes=0", env, client).json["incident_id"] as? String)
                try await eventually { fakes.pagerDuty.requests.count >= 1 && fakes.slack.requests.count >= 1 }
                env.clock.advance(300)
                #expect(try await post(Self.resolvedGroup(), env, client).json["status"] as? String == "resolved")
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                env.clock.advance(600)
                let again = try await post(Self.firingAgain(startsAt: "2026-11-20T14:55:00Z"), env, client)
                #expect(again.status == .ok)
                #expect(again.json["status"] as? String == "firing again")
                #expect(again.json["incident_id"] as? String == id)
                #expect(again.json["escalates_at"] as? String == env.now.rfc3339)  // on-call was paged already: at once
                try await eventually { fakes.pagerDuty.requests.count >= 3 }
                try await env.settle()
                let statuses = try await env.database().read { db in try String.fetchAll(db, sql: "SELECT status FROM alert_incidents") }
                #expect(statuses == ["firing"])
            }
            let events = fakes.pagerDuty.requests.map { ($0.body["event_action"] as? String, $0.body["dedup_key"] as? String) }
            #expect(events.map(\.0) == ["trigger", "resolve", "trigger"])
            #expect(Set(events.compactMap(\.1)) == [try #require(events.first?.1)])
            // One Slack message, edited: never a second post for the same alerts.
            #expect(fakes.slack.requests.filter { $0.path == "/chat.postMessage" }.count == 1)
            let last = String(decoding: fakes.slack.requests.last?.data ?? Data(), as: UTF8.self)
            #expect(fakes.slack.requests.last?.path == "/chat.update")
            #expect(last.contains("Fired again after resolving (1×)"))
            #expect(last.contains("Firing: "))
        }
    }

    @Test func aGroupFlappingBeforeItsPageWaitsAgainAndAnAcknowledgedOneStaysAcknowledged() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, env, client).json["incident_id"] as? String)
                try await eventually { fakes.slack.requests.count >= 1 }
                env.clock.advance(60)
                _ = try await post(Self.resolvedGroup(), env, client)
                env.clock.advance(60)
                let again = try await post(Self.firingAgain(startsAt: "2026-11-20T14:42:00Z"), env, client)
                #expect(again.json["incident_id"] as? String == id)
                #expect(again.json["escalates_at"] as? String == env.now.addingTimeInterval(180).rfc3339)  // the wait starts over
                try await env.settle()
                #expect(fakes.pagerDuty.requests.isEmpty)
                env.clock.advance(180)
                try await eventually { fakes.pagerDuty.requests.count >= 1 }

                // Acknowledged, then resolved and firing again: whoever acknowledged still owns it; nobody is paged.
                let link = try ackURL(in: fakes.slack)
                let ack = try await client.execute(
                    uri: link.path + "?" + (link.query ?? ""), method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "by=Sam"))
                #expect(ack.status == .ok)
                _ = try await post(Self.resolvedGroup(), env, client)
                env.clock.advance(60)
                let third = try await post(Self.firingAgain(startsAt: "2026-11-20T14:50:00Z"), env, client)
                #expect(third.json["incident_id"] as? String == id)
                #expect(third.json["escalates_at"] == nil)
                env.clock.advance(3600)
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.map { $0.body["event_action"] as? String } == ["trigger", "acknowledge", "resolve"])
            #expect(fakes.slack.requests.filter { $0.path == "/chat.postMessage" }.count == 1)
            let last = String(decoding: fakes.slack.requests.last?.data ?? Data(), as: UTF8.self)
            #expect(last.contains("Fired again after resolving (2×)"))
            #expect(last.contains("Acknowledged by Sam"))
        }
    }

    @Test func theWaitRunsFromWhenThePostIsVisibleAndAPostSlackRefusedPagesAtOnce() async throws {
        let fakes = Providers()
        // Slack pacing a storm: the first post is refused with a Retry-After of two minutes.
        fakes.slack.script(.init(status: .tooManyRequests, headers: ["Retry-After": "120"], body: #"{"ok": false, "error": "ratelimited"}"#))
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                _ = try await post(Self.alert(group: "paced"), env, client)
                try await eventually { fakes.slack.requests.count >= 1 }
                try await env.settleOutbox()
                env.clock.advance(180)  // due, but nobody has seen it
                try await env.settle()
                #expect(fakes.pagerDuty.requests.isEmpty)
                env.clock.advance(120)  // the post goes out now; the three minutes start
                try await eventually { fakes.slack.requests.count >= 2 }
                try await env.settle()
                #expect(fakes.pagerDuty.requests.isEmpty)
                env.clock.advance(180)
                try await eventually { fakes.pagerDuty.requests.count >= 1 }

                // A post Slack refuses for good will never be seen: its page goes out when due.
                fakes.slack.script(.init(body: #"{"ok": false, "error": "channel_not_found"}"#))
                _ = try await post(Self.alert(group: "refused", receiver: "other", fingerprint: "fp-refused"), env, client)
                try await eventually { fakes.slack.requests.count >= 3 }
                try await env.settleOutbox()
                env.clock.advance(180)
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.map { $0.body["event_action"] as? String } == ["trigger", "trigger"])
        }
    }

    @Test func truncatedAlertsAreCountedAndTheResolveEventCarriesTheAlertsAsResolved() async throws {
        let fakes = Providers()
        var object = try JSONSerialization.jsonObject(with: Self.firing) as! [String: Any]
        object["truncatedAlerts"] = 3  // `max_alerts: 1` on the receiver, four alerts firing
        let truncated = try JSONSerialization.data(withJSONObject: object)
        try await fakes.run(provider: .incidentIO) { env in
            try await env.makeApp().test(.router) { client in
                _ = try await post(truncated, query: "?oncall_wait_minutes=0", env, client)
                try await eventually { fakes.incidentIO.requests.count >= 1 && fakes.slack.requests.count >= 1 }
                _ = try await post(Self.resolvedGroup(), env, client)
                try await eventually { fakes.incidentIO.requests.count >= 2 }
                try await env.settle()
            }
            let message = String(decoding: fakes.slack.requests.first?.data ?? Data(), as: UTF8.self)
            #expect(message.contains("*Alerts:* 4"), "\(message)")
            let resolve = try #require(fakes.incidentIO.requests.last?.body)
            #expect(resolve["status"] as? String == "resolved")
            let alerts = try #require((resolve["metadata"] as? [String: Any])?["data"] as? [[String: Any]])
            #expect(alerts.map { $0["status"] as? String } == ["resolved"])
        }
    }

    @Test func aRouteEditThatChangesTheGroupKeyKeepsTheIncident() async throws {
        let fakes = Providers()
        let edited = #"{}/{team="payments"}:{alertname="CheckoutHighErrorRate"}"#
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, env, client).json["incident_id"] as? String)
                env.clock.advance(60)
                // After `amtool`'s route edit and a reload, the same alert arrives under its new group.
                let moved = try await post(Self.alert(group: edited), env, client)
                #expect(moved.status == .ok)
                #expect(moved.json["status"] as? String == "already open")
                #expect(moved.json["incident_id"] as? String == id)
                let resolved = try await post(Self.resolvedGroup(group: edited), env, client)
                #expect(resolved.json["incident_id"] as? String == id)
                #expect(resolved.json["status"] as? String == "resolved")
                // The old group's resolve, still in flight from before the reload, finds nothing open.
                let stale = try await post(Self.resolvedGroup(), env, client)
                #expect(stale.json["status"] as? String == "ignored: no open incident for this group")
                env.clock.advance(600)
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.isEmpty)
            #expect(fakes.slack.requests.filter { $0.path == "/chat.postMessage" }.count == 1)
        }
    }

    @Test func resolvedAfterThePageResolvesItWithTheSameDedupKey() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(
                    try await post(Self.firing, query: "?oncall_wait_minutes=0&pagerduty_other_routing_key=infra", env, client)
                        .json["incident_id"] as? String)
                try await eventually { fakes.pagerDuty.requests.count >= 1 }
                let resolved = try await post(Self.alert(status: "resolved"), env, client)
                #expect(resolved.json["status"] as? String == "resolved")
                #expect(resolved.json["incident_id"] as? String == id)
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                // The group can fire again later, after the flap window: a new incident.
                env.clock.advance(61 * 60)
                let refired = try await post(Self.firing, env, client)
                #expect(refired.status == .created)
                #expect(refired.json["incident_id"] as? String != id)
            }
            let events = fakes.pagerDuty.requests.map { ($0.body["event_action"] as? String, $0.body["dedup_key"] as? String) }
            #expect(events.map(\.0) == ["trigger", "resolve"])
            #expect(Set(events.map(\.1)).count == 1)
            #expect(fakes.pagerDuty.requests.allSatisfy { $0.body["routing_key"] as? String == "pd-infra-key-secret" })
        }
    }

    @Test func resolvedBeforeThePageCancelsIt() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                _ = try await post(Self.firing, env, client)
                _ = try await post(Self.alert(status: "resolved"), env, client)
                // The resolve edit waits for the post it edits, on the test clock: let the post land first.
                try await eventually { fakes.slack.requests.count >= 1 }
                // An edit that found its post not yet sent was put off by the clock: let that settle before moving it.
                try await env.settleOutbox()
                env.clock.advance(600)
                try await eventually { fakes.slack.requests.count >= 2 }
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.isEmpty)
            let update = String(decoding: fakes.slack.requests.last?.data ?? Data(), as: UTF8.self)
            #expect(update.contains("Resolved"))
        }
    }

    @Test func ackAfterThePageIsPassedOnToPagerDuty() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(try await post(Self.firing, query: "?oncall_wait_minutes=0", env, client).json["incident_id"] as? String)
                try await eventually { fakes.pagerDuty.requests.count >= 1 && fakes.slack.requests.count >= 1 }
                let link = try ackURL(in: fakes.slack)
                let ack = try await client.execute(uri: link.path + "?" + link.query!, method: .post, body: ByteBuffer(string: "by=sam"))
                #expect(String(buffer: ack.body).contains("had already been paged"))
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                #expect(fakes.pagerDuty.requests.last?.body["dedup_key"] as? String == id)
            }
            #expect(fakes.pagerDuty.requests.map { $0.body["event_action"] as? String } == ["trigger", "acknowledge"])
        }
    }

    @Test func providerErrorIsRetriedAndPagesExactlyOnce() async throws {
        let fakes = Providers()
        fakes.pagerDuty.script(.init(status: .internalServerError, body: #"{"status": "error"}"#))
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                _ = try await post(Self.firing, query: "?oncall_wait_minutes=0", env, client)
                // The retry is scheduled from the clock when the 500 is handled, so move time only after that.
                try await eventually {
                    (try? env.database().read { db in
                        try String.fetchOne(db, sql: "SELECT last_error FROM outbox_messages WHERE provider = 'pagerduty'")
                    }) != nil
                }
                env.clock.advance(5)  // past the first backoff (at most 2 s)
                try await eventually { fakes.pagerDuty.requests.count >= 2 }
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.count == 2)
            let pages = try await count(
                "SELECT COUNT(*) FROM outbox_messages WHERE provider = 'pagerduty' AND state = 'sent'", env)
            #expect(pages == 1)
        }
    }

    @Test func aRestartDuringTheWaitPagesOnceAfterwards() async throws {
        let fakes = Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                let response = try await post(Self.firing, env, client)
                #expect(response.status == .created)
                try await eventually { fakes.slack.requests.count >= 1 }
                try await env.settleOutbox()  // on-call has seen it: the wait runs
            }
            #expect(fakes.pagerDuty.requests.isEmpty)
            env.clock.advance(300)  // the process was down when the page came due
            try await env.makeApp().test(.router) { _ in
                try await eventually { fakes.pagerDuty.requests.count >= 1 }
                try await env.settle()
            }
            try await env.makeApp().test(.router) { _ in
                try await env.settle()
            }
            #expect(fakes.pagerDuty.requests.map { $0.body["event_action"] as? String } == ["trigger"])
        }
    }

    @Test func incidentIOAlertEventsUseTheSourceTokenAndAStableKey() async throws {
        let fakes = Providers()
        try await fakes.run(provider: .incidentIO) { env in
            try await env.makeApp().test(.router) { client in
                let id = try #require(
                    try await post(Self.firing, query: "?oncall_wait_minutes=0", env, client).json["incident_id"] as? String)
                try await eventually { fakes.incidentIO.requests.count >= 1 }
                _ = try await post(Self.alert(status: "resolved"), env, client)
                try await eventually { fakes.incidentIO.requests.count >= 2 }
                let unknown = try await post(Self.firing, query: "?incidentio_other_alert_source=payments", env, client)
                #expect(unknown.status == .badRequest)

                let events = fakes.incidentIO.requests
                #expect(events.allSatisfy { $0.path == "/v2/alert_events/http/01ALERTSOURCE" })
                #expect(events.allSatisfy { $0.authorization == "Bearer inc-alert-source-token" })
                #expect(events.map { $0.body["status"] as? String } == ["firing", "resolved"])
                #expect(events.allSatisfy { $0.body["deduplication_key"] as? String == id })
                let first = try #require(events.first?.body)
                #expect(first["title"] as? String == "Incident \(id): CheckoutHighErrorRate")
                #expect(first["source_url"] as? String == "http://alertmanager.example.com:9093")
                let metadata = try #require(first["metadata"] as? [String: Any])
                #expect(metadata["team"] as? String == "payments")  // the alert's own label wins over static metadata
                #expect(metadata["incident_id"] as? String == id)
                #expect((metadata["data"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func anAckRacingTheDueTimeHasExactlyOneOutcome() async throws {
        let env = try TestEnvironment.queueOnly()
        let database = try env.database()
        var settings = Escalations.Settings()
        settings.enabled = true
        settings.provider = .pagerDuty
        let escalations = Escalations(
            settings: settings, database: database, template: nil,
            links: SignedLinks(signingKey: Secret("k"), publicHost: "http://localhost:3000"))
        let store = AlertStore(database: database, escalation: escalations)
        var ids: [String] = []
        for index in 0..<40 {
            let body = try Self.alert(group: "group-\(index)", fingerprint: "fp\(index)")
            guard case .opened(let id, _) = try await store.record(
                AlertmanagerPayload.decode(body), body: String(decoding: body, as: UTF8.self), overrides: .init(),
                at: env.now)
            else { Issue.record("not opened"); return }
            ids.append(id)
        }
        let due = env.now.addingTimeInterval(180)
        let outcomes = try await withThrowingTaskGroup(of: (String, Escalations.AckOutcome)?.self) { group in
            group.addTask {
                try await escalations.escalateDue(now: due)
                return nil
            }
            for id in ids {
                group.addTask { (id, try await escalations.acknowledge(id, by: "sam", at: due)) }
            }
            var outcomes: [String: Escalations.AckOutcome] = [:]
            for try await case let (id, outcome)? in group { outcomes[id] = outcome }
            return outcomes
        }
        let messages = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT dedup_key FROM outbox_messages WHERE provider = 'pagerduty'")
        }
        for id in ids {
            switch outcomes[id] {
            case .acknowledged(pageCancelled: true):
                #expect(!messages.contains("page-\(id)-trigger"))
            case .acknowledgedAfterPage:
                #expect(messages.contains("page-\(id)-trigger") && messages.contains("page-\(id)-acknowledge"))
            default:
                Issue.record("unexpected outcome for \(id): \(String(describing: outcomes[id]))")
            }
        }
        #expect(try await escalations.escalateDue(now: due.addingTimeInterval(3600)) == 0)
    }

    @Test func basicAuthIsAcceptedAndRunningOpenIsAnExplicitWarnedChoice() async throws {
        let basic = try TestEnvironment.queueOnly { config in
            config.alert.auth = .credentials(
                bearerToken: nil, basicUsername: "alertmanager", basicPassword: .literal(Secret("am-password")))
        }
        try await basic.makeApp().test(.router) { client in
            let good = "Basic " + Data("alertmanager:am-password".utf8).base64EncodedString()
            let wrong = "Basic " + Data("alertmanager:guess".utf8).base64EncodedString()
            let accepted = try await post(Self.firing, basic, client, authorization: good)
            let refused = try await post(Self.firing, basic, client, authorization: wrong)
            #expect(accepted.status == .created)
            #expect(refused.status == .unauthorized)
        }
        let open = try TestEnvironment.queueOnly { $0.alert.auth = .none }
        try await open.makeApp().test(.router) { client in
            let response = try await post(Self.firing, open, client, authorization: "")
            #expect(response.status == .created)
        }
        #expect(open.logs.all.contains { $0.contains("accepts unauthenticated requests (alert.auth: none)") })
        #expect(!basic.logs.all.contains { $0.contains("unauthenticated") })
    }

    @Test func slackSignaturesOutsideTheToleranceAreRefused() throws {
        let signature = SlackRequestSignature(signingSecret: Secret("slack-signing-secret"))
        let body = Data("payload=%7B%7D".utf8)
        let now = Date(timeIntervalSince1970: 1_795_185_600)
        let fresh = SlackRequestSignature.sign(body: body, timestamp: 1_795_185_600, secret: Secret("slack-signing-secret"))
        #expect(throws: Never.self) { try signature.verify(signature: fresh, timestamp: "1795185600", body: body, now: now) }
        #expect(throws: SlackRequestSignature.Failure.staleTimestamp) {
            try signature.verify(signature: fresh, timestamp: "1795185600", body: body, now: now.addingTimeInterval(301))
        }
        #expect(throws: SlackRequestSignature.Failure.mismatch) {
            try signature.verify(signature: fresh, timestamp: "1795185600", body: Data("payload=x".utf8), now: now)
        }
        #expect(throws: SlackRequestSignature.Failure.missingHeaders) {
            try signature.verify(signature: nil, timestamp: "1795185600", body: body, now: now)
        }
    }
}
