import ChangeSources
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Investigation
import Testing
import WebhookIn

/// `POST /api/changes/<source>`: each tool's own signature scheme, its payload in the vendor's documented shape, the
/// service mapping and the change log, through the real application and a real SQLite file.
@Suite struct ChangeSourceTests {
    static let secrets = [
        "GITHUB_SECRET": "gh-\(UUID().uuidString)", "GITHUB_NEXT": "gh-next-\(UUID().uuidString)",
        "LD_SECRET": "ld-\(UUID().uuidString)", "TFC_SECRET": "tfc-\(UUID().uuidString)",
        "FLUX_SECRET": "flux-\(UUID().uuidString)", "GITLAB_TOKEN": "gl-\(UUID().uuidString)",
        "GITLAB_SIGNING": "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }).base64EncodedString(),
        "ARGOCD_TOKEN": "argo-\(UUID().uuidString)",
    ]

    func environment() throws -> TestEnvironment {
        try TestEnvironment.queueOnly { config in
            config.services = InvestigationFlowTests.services
            config.changes.sources = [
                "github": .init(secrets: [SecretReference("env://GITHUB_SECRET"), SecretReference("env://GITHUB_NEXT")]),
                "launchdarkly": .init(
                    secrets: [SecretReference("env://LD_SECRET")], services: ["new-checkout-flow": .init(service: "checkout-service")]),
                "terraform-cloud": .init(
                    secrets: [SecretReference("env://TFC_SECRET")], services: ["payments-infra-prod": .init(service: "payment-gateway", environment: "production")]),
                "flux": .init(secrets: [SecretReference("env://FLUX_SECRET")]),
                "gitlab": .init(secrets: [SecretReference("env://GITLAB_TOKEN"), SecretReference("env://GITLAB_SIGNING")]),
                "argocd": .init(secrets: [SecretReference("env://ARGOCD_TOKEN")], services: ["payment-gateway-prod": .init(service: "payment-gateway")]),
            ]
        }
    }

    static func hex(_ mac: some Sequence<UInt8>) -> String { mac.map { String(format: "%02x", $0) }.joined() }

    static func github(_ body: Data, event: String = "deployment_status", delivery: String = UUID().uuidString,
        secret: String = secrets["GITHUB_SECRET"]!) -> HTTPFields
    {
        var headers = credentials("github", body, secret: secret)
        headers[HTTPField.Name("X-GitHub-Event")!] = event
        headers[HTTPField.Name("X-GitHub-Delivery")!] = delivery
        return headers
    }

    static func launchDarkly(_ body: Data) -> HTTPFields { credentials("launchdarkly", body, secret: secrets["LD_SECRET"]!) }
    static func terraform(_ body: Data) -> HTTPFields { credentials("terraform-cloud", body, secret: secrets["TFC_SECRET"]!) }
    static func flux(_ body: Data) -> HTTPFields { credentials("flux", body, secret: secrets["FLUX_SECRET"]!) }
    static func argocd(_ body: Data) -> HTTPFields { credentials("argocd", body, secret: secrets["ARGOCD_TOKEN"]!) }

    static func gitlab(_ body: Data, token: String = secrets["GITLAB_TOKEN"]!) -> HTTPFields {
        var headers = credentials("gitlab", body, secret: token)
        headers[HTTPField.Name("X-Gitlab-Event")!] = "Deployment Hook"
        return headers
    }

    func post(_ source: String, _ body: Data, _ headers: HTTPFields, _ client: some TestClientProtocol) async throws
        -> TestResponse
    {
        try await client.execute(uri: "/api/changes/\(source)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// A listed change's `metadata`, stored as a JSON object in a string.
    func metadata(_ change: [String: Any]) -> [String: String] {
        (change["metadata"] as? String).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
    }

    func changes(_ env: TestEnvironment, _ client: some TestClientProtocol) async throws -> [[String: Any]] {
        let listed = try await client.execute(
            uri: "/api/changes?since=2026-11-19T00:00:00Z&until=2026-11-21T00:00:00Z", method: .get, headers: env.reader)
        return listed.json["changes"] as? [[String: Any]] ?? []
    }

    @Test func aGitHubDeploymentIsRecordedOnceUnderItsCatalogService() async throws {
        let env = try environment()
        let body = try Fixtures.change("github-deployment_status-success.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let first = try await post("github", body, Self.github(body, delivery: "d-1"), client)
            #expect(first.status == .created)
            #expect(first.json["status"] as? String == "recorded")
            #expect(first.json["service"] as? String == "payment-gateway")
            #expect(first.json["mapped"] as? Bool == true)
            // GitHub redelivers with the same delivery id and body.
            let again = try await post("github", body, Self.github(body, delivery: "d-1"), client)
            #expect(again.status == .ok)
            #expect(again.json["status"] as? String == "duplicate")

            let stored = try await changes(env, client)
            #expect(stored.count == 1)
            let change = try #require(stored.first)
            #expect(change["source"] as? String == "github")
            #expect(change["kind"] as? String == "deploy")
            #expect(change["environment"] as? String == "production")
            #expect((change["summary"] as? String)?.hasPrefix("Deployed payment-gateway") == true)
            #expect(metadata(change)["state"] == "success")
            #expect(metadata(change)["subject"] == "acme/payment-gateway")
        }
    }

    @Test func aSecondSecretVerifiesDuringARotation() async throws {
        let env = try environment()
        let body = try Fixtures.change("github-deployment_status-success.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let response = try await post("github", body, Self.github(body, secret: Self.secrets["GITHUB_NEXT"]!), client)
            #expect(response.status == .created)
        }
    }

    @Test func badSignaturesAreRefusedAndStoreNothing() async throws {
        let env = try environment()
        let body = try Fixtures.change("github-deployment_status-success.json")
        var tampered = body
        tampered.replaceSubrange(tampered.startIndex..<tampered.index(after: tampered.startIndex), with: Data(" ".utf8))
        var missing = Self.github(body)
        missing[HTTPField.Name("X-Hub-Signature-256")!] = nil
        let cases: [(Data, HTTPFields, String)] = [
            (tampered, Self.github(body), "X-Hub-Signature-256 does not match any configured secret"),
            (body, Self.github(body, secret: "not-the-secret"), "X-Hub-Signature-256 does not match any configured secret"),
            (body, missing, "missing X-Hub-Signature-256 header"),
        ]
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            for (data, headers, message) in cases {
                let response = try await post("github", data, headers, client)
                #expect(response.status == .unauthorized)
                #expect(response.json["error"] as? String == message)
            }
            #expect(try await changes(env, client).isEmpty)
        }
    }

    @Test func unfinishedDeploymentsAndPingsAreAcknowledgedAndNotStored() async throws {
        let env = try environment()
        let pending = try Fixtures.change("github-deployment_status-pending.json")
        let ping = try Fixtures.change("github-ping.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let skipped = try await post("github", pending, Self.github(pending), client)
            #expect(skipped.status == .accepted)
            #expect(skipped.json["status"] as? String == "ignored")
            #expect(skipped.json["reason"] as? String == "deployment_status pending is not a finished deployment")
            let pinged = try await post("github", ping, Self.github(ping, event: "ping"), client)
            #expect(pinged.status == .accepted)
            let push = try await post("github", ping, Self.github(ping, event: "push"), client)
            #expect(push.json["status"] as? String == "ignored")
            #expect(try await changes(env, client).isEmpty)
        }
    }

    @Test func aFailedDeploymentIsRecordedWithItsState() async throws {
        let env = try environment()
        let body = try Fixtures.change("github-deployment_status-failure.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            #expect(try await post("github", body, Self.github(body), client).status == .created)
            let change = try #require(try await changes(env, client).first)
            #expect(metadata(change)["state"] == "failure")
            #expect((change["summary"] as? String)?.contains("ended in failure") == true)
        }
    }

    @Test func anUnmappedRepositoryIsStoredUnderItsOwnNameAndReported() async throws {
        let env = try environment()
        let original = try String(decoding: Fixtures.change("github-deployment_status-success.json"), as: UTF8.self)
        let body = Data(
            original.replacingOccurrences(of: "acme/payment-gateway", with: "acme/ledger-worker")
                .replacingOccurrences(of: #""name": "payment-gateway""#, with: #""name": "ledger-worker""#).utf8)
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let response = try await post("github", body, Self.github(body), client)
            #expect(response.status == .created)
            #expect(response.json["mapped"] as? Bool == false)
            #expect(response.json["service"] as? String == "acme/ledger-worker")
            #expect((response.json["warning"] as? String)?.contains("changes.sources.github.services") == true)
            #expect(try await changes(env, client).first?["service"] as? String == "acme/ledger-worker")
        }
    }

    @Test func unknownUnconfiguredOversizedAndMalformedDeliveriesGetClearErrors() async throws {
        let env = try TestEnvironment.queueOnly()
        let configured = try environment()
        try await env.makeApp().test(.router) { client in
            let unknown = try await post("jenkins", Data("{}".utf8), [:], client)
            #expect(unknown.status == .notFound)
            #expect((unknown.json["error"] as? String)?.contains("github") == true)
            let off = try await post("github", Data("{}".utf8), [:], client)
            #expect(off.status == .forbidden)
            #expect(off.json["error"] as? String == "change source github is off: set changes.sources.github.secrets in the config")
        }
        try await configured.makeApp(environment: Self.secrets).test(.router) { client in
            let huge = Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            #expect(try await post("github", huge, Self.github(huge), client).status == .contentTooLarge)
            let junk = Data("{\"deployment_status\": 3}".utf8)
            let malformed = try await post("github", junk, Self.github(junk), client)
            #expect(malformed.status == .badRequest)
            #expect((malformed.json["error"] as? String)?.hasPrefix("GitHub deployment_status payload") == true)
        }
    }

    @Test func launchDarklyChangesAreOrderedByWhenTheyHappenedNotWhenTheyArrived() async throws {
        let env = try environment()
        let on = try Fixtures.change("launchdarkly-flag-turned-on.json")
        let rollout = try Fixtures.change("launchdarkly-flag-rollout.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            // The later entry arrives first.
            #expect(try await post("launchdarkly", rollout, Self.launchDarkly(rollout), client).status == .created)
            #expect(try await post("launchdarkly", on, Self.launchDarkly(on), client).status == .created)
            let stored = try await changes(env, client)
            #expect(stored.count == 2)
            #expect(stored.allSatisfy { $0["kind"] as? String == "feature_flag" && $0["service"] as? String == "checkout-service" })
            let times = stored.compactMap { $0["occurred_at"] as? String }
            let summaries = stored.compactMap { $0["summary"] as? String }
            // Newest first, as the change log lists.
            #expect(times == times.sorted(by: >))
            #expect(summaries.first?.contains("rollout") == true)
            #expect(summaries.last?.contains("turned on") == true)
        }
    }

    @Test func terraformRecordsAppliedRunsAndAcknowledgesItsVerification() async throws {
        let env = try environment()
        let verification = try Fixtures.change("tfc-verification.json")
        let planning = try Fixtures.change("tfc-run-planning.json")
        let applied = try Fixtures.change("tfc-run-applied.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            #expect(try await post("terraform-cloud", verification, Self.terraform(verification), client).status == .accepted)
            #expect(try await post("terraform-cloud", planning, Self.terraform(planning), client).status == .accepted)
            let recorded = try await post("terraform-cloud", applied, Self.terraform(applied), client)
            #expect(recorded.status == .created)
            #expect(recorded.json["service"] as? String == "payment-gateway")
            let stored = try await changes(env, client)
            #expect(stored.count == 1)
            #expect(stored.first?["kind"] as? String == "infra")
            // The workspace says no environment; its mapping does.
            #expect(stored.first?["environment"] as? String == "production")
            #expect((stored.first?["url"] as? String)?.hasPrefix("https://app.terraform.io/") == true)
        }
    }

    @Test func fluxRecordsTheChangeSetNotEveryReconciliation() async throws {
        let env = try environment()
        let applied = try Fixtures.change("flux-progressing.json")
        let finished = try Fixtures.change("flux-kustomization-reconciled.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            // Sent after every reconciliation, also the ones that changed nothing.
            #expect(try await post("flux", finished, Self.flux(finished), client).status == .accepted)
            let recorded = try await post("flux", applied, Self.flux(applied), client)
            #expect(recorded.status == .created)
            #expect(recorded.json["service"] as? String == "payment-gateway")
            #expect(try await post("flux", applied, Self.flux(applied), client).status == .ok)
            let stored = try await changes(env, client)
            #expect(stored.count == 1)
            #expect(stored.first?["version"] as? String == "main@sha1:ab35ba20c808c1119d00adb45bb55e31ae66ec59")
            #expect(stored.first?["environment"] as? String == "production")
            #expect((stored.first?["summary"] as? String)?.contains("and 1 more") == true)
        }
    }

    @Test(arguments: [
        ("github", "github-deployment_status-success.json"),
        ("launchdarkly", "launchdarkly-flag-turned-on.json"),
        ("terraform-cloud", "tfc-run-applied.json"),
        ("flux", "flux-progressing.json"),
        ("gitlab", "gitlab-deployment-success.json"),
        ("argocd", "argocd-on-deployed.json"),
    ])
    func aChangeFromTheSourceIsNamedByTheNextIncidentsInvestigation(source: String, fixture: String) async throws {
        let env = try environment()
        let body = try Fixtures.change(fixture)
        let headers: HTTPFields =
            switch source {
            case "github": Self.github(body)
            case "launchdarkly": Self.launchDarkly(body)
            case "terraform-cloud": Self.terraform(body)
            case "gitlab": Self.gitlab(body)
            case "argocd": Self.argocd(body)
            default: Self.flux(body)
            }
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let recorded = try await post(source, body, headers, client)
            #expect(recorded.status == .created)
            let service = try #require(recorded.json["service"] as? String)
            #expect(try await env.deliver(Fixtures.data("incident-created.json"), with: client).json["status"] as? String == "queued")
            #expect(try await InvestigationFlowTests().worker(env).runOnce())
            let response = try await client.execute(
                uri: "/api/incidents/01JD3X8Z4MP7Y0V6N2W5X3R9TB/investigation", method: .get, headers: env.reader)
            let findings = try #require(response.json["findings"] as? [String: Any])
            let top = try #require((findings["suspected_causes"] as? [[String: Any]])?.first)
            #expect((top["change"] as? [String: Any])?["source"] as? String == source)
            // The incident's service and its dependency: the one without any change is named as not visible.
            let unseen = (findings["evidence"] as? [String] ?? []).filter { $0.hasPrefix("Not visible") }
            let other = service == "payment-gateway" ? "checkout-service" : "payment-gateway"
            #expect(unseen == ["Not visible: no change source has reported for \(other) in 30 days; a change there would not be in the log."])
        }
    }

    @Test func gitLabTakesItsTokenOrAStandardWebhooksSignature() async throws {
        let env = try environment()
        let running = try Fixtures.change("gitlab-deployment-running.json")
        let success = try Fixtures.change("gitlab-deployment-success.json")
        let signature = try SignatureVerifier.sign(
            id: "msg_gl_1", timestamp: Int64(env.now.timeIntervalSince1970), body: success,
            secret: Secret(Self.secrets["GITLAB_SIGNING"]!))
        let signed: HTTPFields = [
            .contentType: "application/json", HTTPField.Name("webhook-id")!: "msg_gl_1",
            HTTPField.Name("webhook-timestamp")!: String(Int64(env.now.timeIntervalSince1970)),
            HTTPField.Name("webhook-signature")!: signature,
        ]
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            let skipped = try await post("gitlab", running, Self.gitlab(running), client)
            #expect(skipped.json["reason"] as? String == "deployment running is not a finished deployment")
            let wrong = try await post("gitlab", success, Self.gitlab(success, token: "guess"), client)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["error"] as? String == "X-Gitlab-Token does not match any configured secret")
            let recorded = try await post("gitlab", success, signed, client)
            #expect(recorded.status == .created)
            #expect(recorded.json["service"] as? String == "payment-gateway")
            #expect(try await post("gitlab", success, Self.gitlab(success), client).status == .ok)
            let change = try #require(try await changes(env, client).first)
            // `2026-11-20 14:13:47 UTC`, as GitLab writes it.
            #expect(change["occurred_at"] as? String == "2026-11-20T14:13:47.000Z")
            #expect(change["version"] as? String == "5644a3f6")
        }
    }

    @Test func argoCDNeedsItsBearerToken() async throws {
        let env = try environment()
        let body = try Fixtures.change("argocd-on-deployed.json")
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            #expect(try await post("argocd", body, [.contentType: "application/json"], client).status == .unauthorized)
            let recorded = try await post("argocd", body, Self.argocd(body), client)
            #expect(recorded.status == .created)
            #expect(recorded.json["service"] as? String == "payment-gateway")
            #expect(try await changes(env, client).first?["version"] as? String == "13f4c3e")
        }
    }

    @Test func theCoverageReportCountsDeliveriesAndNamesServicesNoSourceReportedFor() async throws {
        let env = try environment()
        let body = try Fixtures.change("github-deployment_status-success.json")
        let ping = try Fixtures.change("github-ping.json")
        let unmapped = Data(
            String(decoding: try Fixtures.change("github-deployment_status-failure.json"), as: UTF8.self)
                .replacingOccurrences(of: "acme/payment-gateway", with: "acme/ledger-worker")
                .replacingOccurrences(of: #""name": "payment-gateway""#, with: #""name": "ledger-worker""#).utf8)
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            _ = try await post("github", body, Self.github(body), client)
            _ = try await post("github", body, Self.github(body), client)
            _ = try await post("github", body, Self.github(body, secret: "wrong"), client)
            _ = try await post("github", ping, Self.github(ping, event: "ping"), client)
            _ = try await post("github", unmapped, Self.github(unmapped), client)
            #expect(try await client.execute(uri: "/api/changes/sources", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/changes/sources?days=0", method: .get, headers: env.reader).status == .badRequest)

            let report = try await client.execute(uri: "/api/changes/sources", method: .get, headers: env.reader).json
            let sources = report["sources"] as? [[String: Any]] ?? []
            let github = try #require(sources.first { $0["name"] as? String == "github" })
            #expect(github["configured"] as? Bool == true)
            #expect(github["recorded"] as? Int == 2)
            #expect(github["duplicates"] as? Int == 1)
            #expect(github["ignored"] as? Int == 1)
            #expect(github["rejected"] as? [String: Int] == ["invalid_signature": 1])
            #expect(github["unmapped"] as? [String] == ["acme/ledger-worker"])
            #expect(github["last_delivery_at"] as? String == "2026-11-20T14:40:00.000Z")
            #expect(sources.first { $0["name"] as? String == "gitlab" }?["recorded"] as? Int == 0)

            let services = report["services"] as? [[String: Any]] ?? []
            #expect(services.first { $0["name"] as? String == "payment-gateway" }?["sources"] as? [String] == ["github"])
            #expect(report["uncovered"] as? [String] == ["checkout-service", "search", "notifications"])
        }
    }

    /// The delivery's credential header for `source`, made with `secret` instead of the configured one when given.
    static func credentials(_ source: String, _ body: Data, secret: String) -> HTTPFields {
        func hex<H: HashFunction>(_: H.Type) -> String {
            Self.hex(HMAC<H>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        switch source {
        case "github":
            headers[HTTPField.Name("X-GitHub-Event")!] = "deployment_status"
            headers[HTTPField.Name("X-Hub-Signature-256")!] = "sha256=" + hex(SHA256.self)
        case "gitlab": headers[HTTPField.Name("X-Gitlab-Token")!] = secret
        case "argocd": headers[.authorization] = "Bearer \(secret)"
        case "flux": headers[HTTPField.Name("X-Signature")!] = "sha256=" + hex(SHA256.self)
        case "launchdarkly": headers[HTTPField.Name("X-LD-Signature")!] = hex(SHA256.self)
        default: headers[HTTPField.Name("X-TFE-Notification-Signature")!] = hex(SHA512.self)
        }
        return headers
    }

    @Test(arguments: [
        ("github", "github-deployment_status-success.json", "GITHUB_SECRET"),
        ("gitlab", "gitlab-deployment-success.json", "GITLAB_TOKEN"),
        ("argocd", "argocd-on-deployed.json", "ARGOCD_TOKEN"),
        ("flux", "flux-progressing.json", "FLUX_SECRET"),
        ("launchdarkly", "launchdarkly-flag-turned-off.json", "LD_SECRET"),
        ("terraform-cloud", "tfc-run-applied.json", "TFC_SECRET"),
    ])
    func everySourceRefusesTamperedUnsignedAndWronglySignedDeliveriesAndStoresARedeliveryOnce(
        source: String, fixture: String, secret: String
    ) async throws {
        let env = try environment()
        let body = try Fixtures.change(fixture)
        let valid = Self.credentials(source, body, secret: Self.secrets[secret]!)
        var stripped = valid
        for field in valid where field.name != .contentType && field.name.canonicalName != "x-github-event" {
            stripped[field.name] = nil
        }
        let unsigned = stripped
        let tampered = body + Data(" ".utf8)
        try await env.makeApp(environment: Self.secrets).test(.router) { client in
            // A token is not a signature of the body: for GitLab and Argo CD a changed body still carries a good token.
            let bodyBound = source != "gitlab" && source != "argocd"
            #expect(try await post(source, tampered, valid, client).status == (bodyBound ? .unauthorized : .created))
            #expect(try await post(source, body, Self.credentials(source, body, secret: "wrong"), client).status == .unauthorized)
            let missing = try await post(source, body, unsigned, client)
            #expect(missing.status == .unauthorized)
            #expect((missing.json["error"] as? String)?.hasPrefix("missing ") == true)
            let first = try await post(source, body, valid, client)
            #expect(first.status == (bodyBound ? .created : .ok))
            #expect(try await post(source, body, valid, client).status == .ok)
            #expect(try await changes(env, client).count == 1)
        }
    }
}
