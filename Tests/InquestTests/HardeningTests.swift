import Alerting
import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import Logging
import NIOCore
import Outbound
import Testing
import WebhookIn

/// What adversarial probes found: who may read findings, storage that vanished, alert bodies posing as Inquest's
/// state, names and URLs that break messages, unbounded log lines, and a second server on one database.
@Suite struct HardeningTests {
    static let incident = "01JD3X8Z4MP7Y0V6N2W5X3R9TB"

    @Test func readEndpointsNeedTheReadOrAdminTokenAndAPageTokenOpensOnlyItsInvestigation() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        let links = SignedLinks(
            signingKey: Secret(try String(contentsOfFile: env.config.vaultDevPath + "/secrets/link-signing-key", encoding: .utf8)),
            publicHost: env.config.publicHost)
        try await env.makeApp().test(.router) { client in
            _ = try await env.deliver(body, with: client)
            let paths = [
                "/api/investigations/1", "/api/incidents/\(Self.incident)", "/api/incidents/\(Self.incident)/investigation",
                "/api/changes",
            ]
            for path in paths {
                let anonymous = try await client.execute(uri: path, method: .get)
                #expect(anonymous.status == .unauthorized, "\(path)")
                #expect((anonymous.json["error"] as? String)?.contains("read token") == true, "\(path)")
                let wrong = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer nope"])
                #expect(wrong.status == .unauthorized, "\(path)")
                #expect(try await client.execute(uri: path, method: .get, headers: env.reader).status == .ok, "\(path)")
                let admin = try await client.execute(
                    uri: path, method: .get, headers: [.authorization: "Bearer \(env.adminToken)"])
                #expect(admin.status == .ok, "\(path)")
            }
            let own = try await client.execute(uri: "/api/investigations/1?token=\(links.token(for: 1))", method: .get)
            #expect(own.status == .ok)
            let byIncident = try await client.execute(
                uri: "/api/incidents/\(Self.incident)/investigation?token=\(links.token(for: 1))", method: .get)
            #expect(byIncident.status == .ok)
            let other = try await client.execute(uri: "/api/investigations/1?token=\(links.token(for: 2))", method: .get)
            #expect(other.status == .unauthorized)
            let missing = try await client.execute(uri: "/api/investigations/2?token=\(links.token(for: 2))", method: .get)
            #expect(missing.status == .unauthorized)
            // A page token is for findings only, not the change log.
            let changes = try await client.execute(uri: "/api/changes?token=\(links.token(for: 1))", method: .get)
            #expect(changes.status == .unauthorized)
        }
    }

    @Test func aDeletedDatabaseAnswers503AndFailsReadiness() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: env.config.database + suffix) }
            let delivered = try await env.deliver(body, with: client)
            #expect(delivered.status == .serviceUnavailable)
            #expect(delivered.json["error"] as? String == "storage unavailable; retry later")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect((ready.json["error"] as? String)?.contains("was deleted") == true)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test func aSecondServerOnTheSameDatabaseRefusesToStart() async throws {
        let env = try TestEnvironment.queueOnly()
        try await env.makeApp().test(.router) { _ in
            do {
                _ = try await env.makeApp()
                Issue.record("a second server started on the same database")
            } catch {
                #expect("\(error)".contains(env.config.database))
                #expect("\(error)".contains("pid \(getpid())"))
            }
        }
        // Once the first has shut down, the file is free again.
        try await env.makeApp().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
        }
    }

    @Test func alertBodiesCannotSetInquestsOwnTemplateKeys() async throws {
        let fakes = AlertEscalationTests.Providers()
        try await fakes.run { env in
            var object = try JSONSerialization.jsonObject(with: AlertEscalationTests.firing) as! [String: Any]
            object["resolved_at"] = "2026-11-20 14:00 UTC"
            object["acknowledged_by"] = "alice"
            object["acknowledged_at"] = "2026-11-20 14:01 UTC"
            object["incident_id"] = "forged"
            let body = try JSONSerialization.data(withJSONObject: object)
            try await env.makeApp().test(.router) { client in
                let response = try await AlertEscalationTests().post(body, env, client)
                #expect(response.status == .created)
                try await eventually { fakes.slack.requests.count >= 1 }
            }
            let message = String(decoding: try #require(fakes.slack.requests.first).data, as: UTF8.self)
            #expect(!message.contains("Resolved"))
            #expect(!message.contains("alice"))
            #expect(!message.contains("forged"))
            #expect(message.contains("Acknowledge"))
        }
    }

    @Test func aTypedAckNameIsOneBoundedLine() {
        #expect(AckController.displayName("Mallory\n*Resolved* by\tops\u{0}\u{202E}x") == "Mallory *Resolved* by ops x")
        #expect(AckController.displayName(String(repeating: "a", count: 500))?.count == 100)
        #expect(AckController.displayName(" \n\t ") == nil)
        #expect(AckController.displayName(nil) == nil)
    }

    @Test func onlyHTTPLinksAreLinkedAndTheyCannotBreakSlackOrMarkdownLinks() {
        func link(_ url: String) -> String? {
            Change(source: "t", externalID: "1", service: "s", kind: .deploy, summary: "s", url: url, occurredAt: Date())
                .linkURL
        }
        #expect(link("javascript:alert(1)") == nil)
        #expect(link("JaVaScRiPt:alert(1)") == nil)
        #expect(link("data:text/html,<script>") == nil)
        #expect(link("ftp://example.com/x") == nil)
        #expect(link("https://ci.example.com/run/1") == "https://ci.example.com/run/1")
        #expect(link("https://ci.example.com/a|b>c<d (e)") == "https://ci.example.com/a%7Cb%3Ec%3Cd%20%28e%29")
    }

    @Test func theInvestigationPageLinksNoScriptURLAndSendsTokenPageHeaders() async throws {
        let env = try TestEnvironment()
        let changes = [
            Change(
                source: "ci", externalID: "pg-2.1.0", service: "payment-gateway", kind: .deploy,
                summary: "Deploy payment-gateway v2.1.0", version: "v2.1.0", url: "javascript:alert(document.cookie)",
                occurredAt: Date(rfc3339: "2026-11-20T14:30:00Z")!)
        ]
        _ = try await ChangeLog(database: env.database()).ingest(changes)
        let body = try Fixtures.data("incident-created.json")
        try await env.makeApp().test(.router) { client in
            _ = try await env.deliver(body, with: client)
            let page = try await eventuallyValue { () -> TestResponse? in
                let response = try await client.execute(
                    uri: "/investigations/1", method: .get, headers: [.authorization: "Bearer \(env.adminToken)"])
                return String(buffer: response.body).contains("Suspected causes") ? response : nil
            }
            let found = try #require(page, "the investigation did not finish")
            let html = String(buffer: found.body)
            #expect(html.contains("Deploy payment-gateway v2.1.0"))
            #expect(!html.contains("javascript:"))
            #expect(found.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(found.headers[.cacheControl] == "no-store")
            #expect(found.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test func theAckPageSendsTokenPageHeaders() async throws {
        let fakes = AlertEscalationTests.Providers()
        try await fakes.run { env in
            try await env.makeApp().test(.router) { client in
                _ = try await AlertEscalationTests().post(AlertEscalationTests.firing, env, client)
                try await eventually { fakes.slack.requests.count >= 1 }
                let link = try AlertEscalationTests().ackURL(in: fakes.slack)
                let page = try await client.execute(uri: link.path + "?" + (link.query ?? ""), method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(page.headers[.cacheControl] == "no-store")
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }

    @Test func aRejectedDeliveryLogsABoundedWebhookID() async throws {
        let env = try TestEnvironment.queueOnly()
        let body = try Fixtures.data("incident-created.json")
        let hugeID = String(repeating: "x", count: 60_000)
        try await env.makeApp().test(.router) { client in
            var headers = try env.signedHeaders(for: body, id: "msg_1")
            headers[HTTPField.Name("webhook-id")!] = hugeID
            let response = try await client.execute(
                uri: "/api/incident-io/webhook", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
        }
        let line = try #require(env.logs.all.first { $0.contains("rejected incident.io delivery") })
        #expect(line.utf8.count < 2_000)
        #expect(line.contains("60000 bytes, truncated"))
    }
}
