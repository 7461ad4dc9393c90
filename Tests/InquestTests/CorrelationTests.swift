import Foundation
import Investigation
import Testing
import WebhookIn

/// The correlation function on its own: no database, no HTTP.
@Suite struct CorrelationTests {
    static let impact = Date(rfc3339: "2026-11-20T14:36:00Z")!
    let catalog = ServiceCatalog(services: [
        .init(name: "checkout-service", aliases: ["checkout"], dependsOn: ["payment-gateway"]),
        .init(name: "payment-gateway", dependsOn: ["ledger"]),
        .init(name: "ledger"),
        .init(name: "search"),
        .init(name: "notifications"),
    ])

    func incident(services: [String] = ["checkout-service"], title: String = "High error rate on checkout service")
        -> IncidentContext
    {
        var incident = IncidentIOIncident(id: "inc-1")
        incident.name = title
        incident.reference = "INC-1"
        incident.createdAt = "2026-11-20T14:36:00Z"
        var context = IncidentContext(
            incident: incident, priority: .p1, catalog: catalog, defaultEnvironment: "production", fallbackStart: Self.impact)
        context.services = services
        return context
    }

    func change(
        _ id: String, _ service: String, _ kind: ChangeKind, at time: String, summary: String = "change",
        version: String? = nil, environment: String? = "production"
    ) -> Change {
        Change(
            id: Int64(id.hashValue & 0xffff), source: "test", externalID: id, service: service, environment: environment,
            kind: kind, summary: summary, version: version, occurredAt: Date(rfc3339: "2026-11-20T\(time):00Z")!)
    }

    var workedExample: [Change] {
        [
            change(
                "pg-210", "payment-gateway", .deploy, at: "14:30", summary: "Deploy payment-gateway v2.1.0", version: "v2.1.0"),
            change("search-11", "search", .deploy, at: "11:00", summary: "Deploy search v7", version: "v7"),
            change("notif-cfg", "notifications", .config, at: "14:20", summary: "Raise notification batch size"),
        ]
    }

    @Test func dependencyDeployRanksFirstWithTheHighestConfidence() {
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: workedExample)
        let top = result.candidates[0]
        #expect(top.change.externalID == "pg-210")
        #expect(top.band == .suspected)
        #expect(top.confidence > 0.7 && top.confidence < 0.95)
        #expect(result.candidates.dropFirst().allSatisfy { $0.confidence < top.confidence })
        #expect(top.factors.map(\.name) == ["time", "service", "content", "kind", "scope"])
        #expect(top.factors[1].reason == "checkout-service depends on payment-gateway")
        #expect(top.factors[0].reason == "6 min before impact start")
    }

    @Test func findingsRecommendRollingBackTheDeploy() {
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: workedExample)
        let pgID = workedExample[0].id!
        let findings = Findings(incident: incident(), result: result, previousVersions: [pgID: "v2.0.9"])
        #expect(findings.rootCause?.change.externalID == "pg-210")
        #expect(
            findings.recommendedActions.first?.text.contains("Roll back the payment-gateway deploy v2.1.0 to version v2.0.9")
                == true)
        #expect(findings.summary.contains("payment-gateway deploy v2.1.0"))
        #expect(findings.timeline.map(\.at) == findings.timeline.map(\.at).sorted())
        #expect(findings.markdown.contains("### Suspected causes"))
    }

    @Test func changesOutsideTheWindowNeverAppearAsCandidates() {
        let changes = [
            change("early", "checkout-service", .deploy, at: "10:30"),
            change("late", "checkout-service", .deploy, at: "14:47"),
            change("inside", "checkout-service", .deploy, at: "14:00"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        #expect(result.candidates.map(\.change.externalID) == ["inside"])
        #expect(Set(result.excluded.map(\.change.externalID)) == ["early", "late"])
        #expect(result.excluded.first { $0.change.externalID == "early" }?.reason.contains("outside the 4 h lookback") == true)
    }

    @Test func otherEnvironmentsAreSetAsideWithTheReason() {
        let changes = [change("stg", "checkout-service", .deploy, at: "14:30", environment: "staging")]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        #expect(result.candidates.isEmpty)
        #expect(result.excluded.first?.reason == "environment staging, the incident is in production")
    }

    @Test func aRevertedChangeIsDemoted() {
        let changes = [
            change("bad", "checkout-service", .deploy, at: "14:00", version: "v5"),
            change("revert", "checkout-service", .rollback, at: "14:10", summary: "Roll back to v4", version: "v4"),
            change("cfg", "checkout-service", .config, at: "13:50", summary: "Tune pool"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        let bad = result.candidates.first { $0.change.externalID == "bad" }!
        #expect(bad.demotion?.contains("rolled back 10 min later") == true)
        #expect(result.candidates.first?.change.externalID != "bad")
    }

    @Test func anIncidentNamingNoKnownServiceStillGetsTimeRankedCandidatesWithLowerConfidence() {
        let changes = [
            change("near", "search", .deploy, at: "14:33"),
            change("far", "ledger", .deploy, at: "12:00"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog)
            .correlate(incident(services: [], title: "Something is wrong"), changes: changes)
        #expect(result.candidates.map(\.change.externalID) == ["near", "far"])
        #expect(result.candidates.allSatisfy { $0.confidence <= 0.5 })
    }

    @Test func twoEquallyStrongCandidatesShareTheConfidence() {
        let changes = [
            change("a", "checkout-service", .deploy, at: "14:30"),
            change("b", "checkout-service", .deploy, at: "14:30"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        #expect(abs(result.candidates[0].confidence - result.candidates[1].confidence) < 0.001)
        #expect(result.candidates[0].confidence > 0.35 && result.candidates[0].confidence < 0.5)
    }

    @Test func oneWeakCandidateDoesNotGetAHighNumber() {
        let changes = [change("old-unrelated", "search", .config, at: "11:00")]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        #expect(result.candidates[0].confidence < 0.2)
        #expect(result.noChangeConfidence > 0.8)
    }

    @Test func noCandidatesGivesAnHonestNoCorrelatedChange() {
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: [])
        let findings = Findings(incident: incident(), result: result)
        #expect(findings.suspectedCauses.isEmpty)
        #expect(
            findings.summary.contains(
                "no recorded change to checkout-service or its dependencies between 2026-11-20 10:36:00 and 2026-11-20 14:46:00 UTC"
            ))
        #expect(findings.recommendedActions.first?.text.contains("Widen the window") == true)
        #expect(findings.searched.contains("change log"))
    }

    @Test func contentMatchOnAFlagKeyRaisesTheScore() {
        let flag = change("flag", "checkout-service", .featureFlag, at: "14:20", summary: "Enable new_checkout_flow for 50%")
        let plain = change("plain", "checkout-service", .featureFlag, at: "14:20", summary: "Enable dark_mode for 50%")
        let result = Correlator(settings: .init(), catalog: catalog)
            .correlate(incident(title: "Checkout errors after new_checkout_flow rollout"), changes: [flag, plain])
        #expect(result.candidates[0].change.externalID == "flag")
        #expect(result.candidates[0].factors[2].reason == "the incident mentions \"new_checkout_flow\" (in 1 of 2 changes considered)")
    }

    @Test func servicesComeFromCustomFieldsThenFromTheTitle() throws {
        let fixture = try JSONDecoder().decode(
            [String: IncidentIOIncident].self,
            from: JSONSerialization.data(withJSONObject: [
                "i": (try JSONSerialization.jsonObject(with: Fixtures.data("incident-created.json")) as! [String: Any])[
                    "public_incident.incident_created_v2"]!
            ]))["i"]!
        let fromField = IncidentContext(
            incident: fixture, priority: .p1, catalog: catalog, defaultEnvironment: nil, fallbackStart: Self.impact)
        #expect(fromField.services == ["checkout-service"])
        #expect(fromField.servicesSource == "custom field \"Affected services\"")
        #expect(fromField.impactStart == Date(rfc3339: "2026-11-20T14:35:00Z"))
        #expect(fromField.impactStartSource == "\"Impact started\" timestamp")

        var titled = IncidentIOIncident(id: "x")
        titled.name = "Payment Gateway timeouts; Checkout_Service degraded"
        let fromTitle = IncidentContext(
            incident: titled, priority: .p2, catalog: catalog, defaultEnvironment: nil, fallbackStart: Self.impact)
        #expect(Set(fromTitle.services) == ["payment-gateway", "checkout-service"])
        #expect(fromTitle.impactStart == Self.impact)
    }

    func factor(_ name: String, of id: String, in result: Correlator.Result) -> Correlator.Factor? {
        result.candidates.first { $0.change.externalID == id }?.factors.first { $0.name == name }
    }

    @Test func aChangeThatSaysItChangedNothingLiveLosesScope() {
        let changes = [
            change("dark", "checkout-service", .config, at: "14:34", summary: "Add route for new huddles endpoint (dark)"),
            change("live", "checkout-service", .config, at: "14:25", summary: "Raise connection pool size"),
            change("log", "checkout-service", .config, at: "14:33", summary: "WAF rules release (log mode)"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        #expect(result.candidates.first?.change.externalID == "live")
        #expect(factor("scope", of: "dark", in: result)?.points == -15)
        #expect(factor("scope", of: "dark", in: result)?.reason.contains("altered no live behaviour") == true)
        #expect(factor("scope", of: "log", in: result)?.reason.hasPrefix("\"log mode\"") == true)
        #expect(factor("scope", of: "live", in: result)?.value == 0)
    }

    @Test func aRollbackAfterImpactStartPointsAtThatServicesLastChange() {
        let changes = [
            change("own", "checkout-service", .deploy, at: "14:00", summary: "Deploy checkout-service v9", version: "v9"),
            change("dep", "payment-gateway", .deploy, at: "14:30", summary: "Deploy payment-gateway v3", version: "v3"),
            change("rb", "checkout-service", .rollback, at: "14:41", summary: "Roll back checkout-service to v8", version: "v8"),
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: changes)
        let response = factor("response", of: "own", in: result)
        #expect(response?.points == 10)
        #expect(response?.reason.hasPrefix("responders rolled checkout-service back 5 min after impact started") == true)
        #expect(factor("response", of: "dep", in: result) == nil)
        #expect(result.candidates.first?.change.externalID == "own")

        // A rollback before impact start reverted the change instead: it is demoted, not promoted.
        var early = changes
        early[2] = change("rb", "checkout-service", .rollback, at: "14:10", summary: "Roll back to v8", version: "v8")
        let reverted = Correlator(settings: .init(), catalog: catalog).correlate(incident(), changes: early)
        #expect(factor("response", of: "own", in: reverted) == nil)
        #expect(reverted.candidates.first { $0.change.externalID == "own" }?.demotion != nil)
    }

    @Test func anExternalCauseTheIncidentDeniesDoesNotCount() {
        let correlator = Correlator(settings: .init(), catalog: catalog)
        let changes = [change("own", "checkout-service", .deploy, at: "14:30")]
        let denied = correlator.correlate(
            incident(title: "Checkout errors. Not an attack as far as we can tell"), changes: changes)
        #expect(denied.noChangeReasons == nil)
        let stated = correlator.correlate(incident(title: "Checkout errors under a DDoS attack"), changes: changes)
        #expect(stated.noChangeReasons?.first == "the incident says \"ddos\": a cause outside the change log")
        #expect(stated.noChangeConfidence > denied.noChangeConfidence)
    }

    @Test func namingTheServiceByAnAliasIsNotContentEvidence() {
        let changes = [change("own", "checkout-service", .config, at: "14:30", summary: "checkout: tune retry budget")]
        let result = Correlator(settings: .init(), catalog: catalog)
            .correlate(incident(title: "Checkout failing for everyone"), changes: changes)
        #expect(factor("content", of: "own", in: result)?.value == 0)
    }

    @Test func aChangeToOneOfSeveralAffectedRegionsExplainsOnlyPartOfIt() {
        let changes = [
            change("central", "checkout-service", .deploy, at: "14:20", summary: "Deploy checkout-service to us-central1")
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(
            incident(title: "Checkout errors in us-east1, us-east4 and us-central1"), changes: changes)
        let scope = factor("scope", of: "central", in: result)
        #expect(scope?.value == 0.1)
        #expect(scope?.reason == "the change reached us-central1: 1 of the 3 places affected (us-central1, us-east1, us-east4)")
    }

    @Test func aChangeOnAnUnplacedServiceThatSaysItTouchesDNSReachesEveryService() {
        var seen = catalog
        seen.addSeen(["dnsmasq", "batch-export"])
        let changes = [
            change("dns", "dnsmasq", .config, at: "14:30", summary: "Node-local DNS config: forward *.svc via new resolver chain"),
            change("export", "batch-export", .config, at: "14:30", summary: "Raise export batch size"),
        ]
        let result = Correlator(settings: .init(), catalog: seen).correlate(incident(), changes: changes)
        #expect(factor("service", of: "dns", in: result)?.reason == "dnsmasq is shared infrastructure: its changes reach every service")
        #expect(factor("service", of: "export", in: result)?.reason == "batch-export is not related to checkout-service")
        #expect(result.candidates.first?.change.externalID == "dns")
    }

    @Test func placesAreReadAsWholeWordsInEveryForm() {
        let changes = [
            change("zone", "checkout-service", .deploy, at: "14:20", summary: "Deploy checkout-service 5.2.10 to ap-southeast-2b")
        ]
        let result = Correlator(settings: .init(), catalog: catalog).correlate(
            incident(title: "Checkout errors in ap-southeast-2b, eu1 and europe-west9-a (not us12, x_us-east-2 or us-east-123)"),
            changes: changes)
        #expect(
            factor("scope", of: "zone", in: result)?.reason
                == "the change reached ap-southeast-2b: 1 of the 3 places affected (ap-southeast-2b, eu1, europe-west9)")
    }
}

