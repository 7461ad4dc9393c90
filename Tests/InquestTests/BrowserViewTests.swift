import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Outbound
import Testing
import WebhookIn

/// The browser view, rendered by a real browser: Debian's headless Chromium loads the signed link `inquest link`
/// prints, follows it to the list, and the list's link to the investigation page (screenshots: `Chromium.artifacts`).
@Suite struct BrowserViewTests {
    @Test func theListAndTheInvestigationPageRenderInChromium() async throws {
        let env = try TestEnvironment()
        let app = try await env.makeApp()
        try await app.test(.live) { client in
            let changes = #"{"changes": [{"source": "ci", "external_id": "pg-210", "service": "payment-gateway", "kind": "deploy", "summary": "Deploy payment-gateway v2.1.0", "version": "v2.1.0", "occurred_at": "2026-11-20T14:30:00Z"}]}"#
            _ = try await client.execute(
                uri: "/api/changes", method: .post,
                headers: [.authorization: "Bearer \(env.ingestToken)", .contentType: "application/json"],
                body: ByteBuffer(string: changes))
            #expect(try await env.deliver(try Fixtures.data("incident-created.json"), with: client).status == .accepted)

            var entry: [String: Any] = [:]
            try await eventually {
                let list = try await client.execute(uri: "/api/incidents?limit=10", method: .get, headers: env.reader)
                entry = (list.json["incidents"] as? [[String: Any]])?.first ?? [:]
                return entry["investigation_status"] as? String == "done"
            }
            #expect((entry["top_cause"] as? String)?.contains("payment-gateway deploy v2.1.0") == true)
            #expect(entry["band"] is String)
            let pageURL = try #require(entry["page_url"] as? String)
            #expect(try await client.execute(uri: "/api/incidents", method: .get).status == .unauthorized)

            // Without a session: the sign-in form; a wrong token is refused, the read token sets the cookie.
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(String(buffer: anonymous.body).contains(#"<form method="post" action="/login">"#))
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=nope"))
            #expect(wrong.status == .unauthorized)
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(env.readToken)"))
            #expect(signedIn.status == .seeOther)
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let session = String(cookie.prefix { $0 != ";" })
            let list = try await client.execute(uri: "/", method: .get, headers: [.cookie: session])
            #expect(list.status == .ok)
            #expect(String(buffer: list.body).contains("payment-gateway deploy v2.1.0"))

            // The same in a browser, from the signed link.
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)"
            let key = try String(contentsOfFile: env.config.vaultDevPath + "/secrets/link-signing-key", encoding: .utf8)
            let link = SignedLinks(signingKey: Secret(key.trimmingCharacters(in: .whitespacesAndNewlines)), publicHost: base)
                .indexURL(expires: Date().addingTimeInterval(3600))
            let profile = env.directory.appendingPathComponent("chromium")

            let index = try Chromium.render(link, as: "incident-index.png", profile: profile)
            #expect(index.contains("Recent incidents"), "\(index.suffix(2000))")
            #expect(index.contains("payment-gateway deploy v2.1.0"))

            let page = try Chromium.render(
                pageURL.replacingOccurrences(of: env.config.publicHost, with: base), as: "investigation-page.png",
                profile: profile)
            #expect(page.contains("Suspected causes"), "\(page.suffix(2000))")
            #expect(page.contains("https://app.incident.io/acme/incidents/4242"))
        }
    }
}
