import Testing
import WebhookIn

@Suite struct InvestigationPolicyTests {
    @Test(arguments: [("Critical", Priority.p0), ("high", .p1), ("MEDIUM", .p2), ("Low", .p3)])
    func severityNamesMapCaseInsensitively(name: String, priority: Priority) {
        #expect(InvestigationPolicy().priority(forSeverity: name) == (priority, true))
    }

    @Test func unknownOrMissingSeverityTakesTheDefault() {
        let policy = InvestigationPolicy(defaultPriority: .p1)
        #expect(policy.priority(forSeverity: "Sev 9") == (.p1, false))
        #expect(policy.priority(forSeverity: nil) == (.p1, false))
    }

    @Test func thresholdIsInclusive() {
        let policy = InvestigationPolicy(threshold: .p2)
        #expect(policy.decide(priority: .p0, mode: "standard") == .investigate)
        #expect(policy.decide(priority: .p2, mode: "standard") == .investigate)
        #expect(policy.decide(priority: .p3, mode: "standard") == .skip(.belowThreshold))
    }

    @Test func skipLowSeverityOffInvestigatesEverything() {
        let policy = InvestigationPolicy(threshold: .p0, skipLowSeverity: false)
        #expect(policy.decide(priority: .p3, mode: "standard") == .investigate)
    }

    @Test func autoInvestigateOffAndTestIncidentsAreSkipped() {
        #expect(InvestigationPolicy(autoInvestigate: false).decide(priority: .p0, mode: nil) == .skip(.autoInvestigateOff))
        #expect(InvestigationPolicy().decide(priority: .p0, mode: "tutorial") == .skip(.testIncident))
        #expect(InvestigationPolicy(investigateTestIncidents: true).decide(priority: .p0, mode: "test") == .investigate)
    }
}
