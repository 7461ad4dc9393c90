import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import InquestApp
import NIOCore
import Investigation
import Outbound
import PrometheusEvidence
import Synchronization
import Testing
import WebhookIn

/// Metric onsets corroborate or clear suspects: the detector alone, the factor alone, then whole investigations
/// against a real Prometheus backfilled with fixed series.
@Suite struct MetricEvidenceTests {
    /// 2026-11-20T14:31:00Z, a minute after the worked example's payment-gateway deploy.
    static let onset = Date(rfc3339: "2026-11-20T14:31:00Z")!
    /// The series start: 5 h before impact (14:35), so the part before the window (10:35) is the baseline.
    static let start = Date(rfc3339: "2026-11-20T09:35:00Z")!

    static func step(at minute: Int, before: Double = 0.003, after: Double = 0.12) -> (Int) -> Double {
        { $0 < minute ? before + Double($0 % 3) * 0.0002 : after + Double($0 % 2) * 0.004 }
    }

    static func series(_ values: (Int) -> Double, minutes: Int = 320, service: String = "checkout-service") -> MetricSeries {
        MetricSeries(
            metric: "error_ratio", service: service,
            points: (0..<minutes).map { .init(at: start.addingTimeInterval(Double($0 * 60)), value: values($0)) })
    }

    // MARK: the detector

    @Test func aSustainedStepIsAnOnsetWithItsLevels() throws {
        let found = try #require(
            OnsetDetector().onset(in: Self.series(Self.step(at: 296)), baselineEnd: Self.start.addingTimeInterval(1800)))
        #expect(found.at == Self.onset)
        #expect(abs(found.before - 0.0032) < 0.001)
        #expect(abs(found.after - 0.122) < 0.005)
        #expect(found.description == "checkout-service error_ratio 0.0032 → 0.122 from 14:31 UTC")
    }

    @Test func flatNoisyShortEmptyAndNaNSeriesHaveNoOnset() {
        let detector = OnsetDetector()
        let baselineEnd = Self.start.addingTimeInterval(1800)
        #expect(detector.onset(in: Self.series({ _ in 0.003 }), baselineEnd: baselineEnd) == nil)
        #expect(detector.onset(in: Self.series({ 0.003 + Double($0 % 5) * 0.0004 }), baselineEnd: baselineEnd) == nil)
        // One spike is not sustained.
        #expect(detector.onset(in: Self.series({ $0 == 200 ? 0.5 : 0.003 }), baselineEnd: baselineEnd) == nil)
        #expect(detector.onset(in: Self.series({ _ in .nan }), baselineEnd: baselineEnd) == nil)
        #expect(detector.onset(in: Self.series(Self.step(at: 2), minutes: 4), baselineEnd: baselineEnd) == nil)
        #expect(detector.onset(in: MetricSeries(metric: "m", service: "s", points: []), baselineEnd: baselineEnd) == nil)
    }

    // MARK: the factor

    func context() throws -> IncidentContext {
        let incident = try JSONDecoder().decode(
            IncidentIOIncident.self,
            from: Data(
                #"""
                {"id": "inc", "name": "Checkout errors", "created_at": "2026-11-20T14:36:00Z",
                 "custom_field_entries": [{"custom_field": {"name": "Affected services"},
                   "values": [{"value_catalog_entry": {"name": "checkout-service", "external_id": "checkout-service"}}]}],
                 "incident_timestamp_values": [{"incident_timestamp": {"name": "Impact started"},
                   "value": {"value": "2026-11-20T14:35:00Z"}}]}
                """#.utf8))
        return IncidentContext(
            incident: incident, priority: .p1, catalog: Self.catalog, defaultEnvironment: nil, fallbackStart: Date())
    }

    static let catalog = ServiceCatalog(services: [
        .init(name: "checkout-service", dependsOn: ["payment-gateway"]), .init(name: "payment-gateway"),
    ])

    static let changes = [
        Change.deploy("pg-2.1.0", "payment-gateway", "v2.1.0", at: "14:30"),
        Change.deploy("checkout-5.2", "checkout-service", "v5.2.0", at: "14:33"),
    ]

    func onset(_ service: String, at time: String) -> Onset {
        Onset(metric: "error_ratio", service: service, labels: [:], at: Date(rfc3339: time)!, before: 0.003, after: 0.12)
    }

    @Test func aChangeAfterTheOnsetIsDemotedAndTheOneBeforeItGains() throws {
        let correlator = Correlator(settings: .init(), catalog: Self.catalog)
        let without = correlator.correlate(try context(), changes: Self.changes)
        #expect(without.candidates.first?.change.externalID == "checkout-5.2")
        let with = correlator.correlate(
            try context(), changes: Self.changes, evidence: MetricEvidence(onsets: [onset("checkout-service", at: "2026-11-20T14:31:00Z")]))
        #expect(with.candidates.first?.change.externalID == "pg-2.1.0")
        let decoy = try #require(with.candidates.first { $0.change.externalID == "checkout-5.2" })
        let factor = try #require(decoy.factors.first { $0.name == "metrics" })
        #expect(factor.points < 0)
        #expect(factor.reason.hasPrefix("2 min after the onset (checkout-service error_ratio"))
        #expect(with.candidates.first?.factors.last?.reason.hasPrefix("1 min before checkout-service error_ratio") == true)
    }

    /// Series broken out by region say where the incident is when its words do not: a change to the region that
    /// moved gains, a change to a region that stayed flat loses scope.
    @Test func aMetricThatMovedInOneRegionOnlyPlacesTheIncidentThere() throws {
        func change(_ id: String, region: String, at time: String) -> Change {
            Change(
                source: "ci", externalID: id, service: "checkout-service", kind: .deploy, summary: "Deploy checkout-service",
                version: id, occurredAt: Date(rfc3339: "2026-11-20T\(time):00Z")!, metadata: #"{"regions": ["\#(region)"]}"#)
        }
        let changes = [change("eu", region: "eu-west-1", at: "14:33"), change("us", region: "us-east-1", at: "14:20")]
        func series(_ region: String) -> MetricSeries {
            MetricSeries(metric: "error_ratio", service: "checkout-service", labels: ["region": region], points: [])
        }
        let moved = Onset(
            metric: "error_ratio", service: "checkout-service", labels: ["region": "us-east-1"],
            at: Date(rfc3339: "2026-11-20T14:34:00Z")!, before: 0.003, after: 0.12)
        let evidence = MetricEvidence(
            onsets: [moved], services: ["checkout-service"], series: [series("us-east-1"), series("eu-west-1")])
        let result = Correlator(settings: .init(), catalog: Self.catalog).correlate(try context(), changes: changes, evidence: evidence)
        #expect(result.candidates.first?.change.externalID == "us")
        let scope = { (id: String) in result.candidates.first { $0.change.externalID == id }?.factors.first { $0.name == "scope" } }
        #expect(scope("us")?.reason == "the change reached us-east-1, where the incident is")
        #expect(scope("eu")?.value == -1)
        #expect(scope("eu")?.reason == "the change reached eu-west-1; the incident is in us-east-1")

        // Every region moved: a broad impact, and no place is blamed.
        let everywhere = MetricEvidence(
            onsets: [moved, Onset(
                metric: "error_ratio", service: "checkout-service", labels: ["region": "eu-west-1"],
                at: Date(rfc3339: "2026-11-20T14:34:00Z")!, before: 0.003, after: 0.12)],
            services: ["checkout-service"], series: [series("us-east-1"), series("eu-west-1")])
        #expect(evidence.places(of: ["checkout-service"])?.moved == ["us-east-1"])
        #expect(everywhere.places(of: ["checkout-service"])?.moved == ["us-east-1", "eu-west-1"])
    }

    @Test func aDependencyThatMovedFirstGainsOverTheAffectedServicesOwnChange() throws {
        let changes = [
            Change.deploy("pg-2.1.0", "payment-gateway", "v2.1.0", at: "14:25"),
            Change.deploy("checkout-5.2", "checkout-service", "v5.2.0", at: "14:29"),
        ]
        let evidence = MetricEvidence(onsets: [
            onset("payment-gateway", at: "2026-11-20T14:26:00Z"), onset("checkout-service", at: "2026-11-20T14:30:00Z"),
        ])
        let result = Correlator(settings: .init(), catalog: Self.catalog).correlate(try context(), changes: changes, evidence: evidence)
        #expect(result.candidates.first?.change.externalID == "pg-2.1.0")
        let reason = try #require(result.candidates.first?.factors.first { $0.name == "metrics" }?.reason)
        #expect(reason.contains("payment-gateway moved 4 min before checkout-service did"))
    }

    // MARK: against a real Prometheus

    func withPrometheus(_ openMetrics: String, _ body: (RealPrometheus) async throws -> Void) async throws {
        let prometheus = try await RealPrometheus(openMetrics: openMetrics)
        try await body(prometheus)
        withExtendedLifetime(prometheus) {}
    }

    static let backfill = RealPrometheus.document([
        (
            "inquest_test_error_ratio",
            [
                RealPrometheus.gauge(
                    "inquest_test_error_ratio", labels: #"service="checkout-service""#, from: start, minutes: 320,
                    value: step(at: 296)),
                RealPrometheus.gauge(
                    "inquest_test_error_ratio", labels: #"service="payment-gateway",team="<b>payments</b>""#, from: start,
                    minutes: 320, value: { _ in 0.001 }),
            ]
        )
    ])

    func environment(prometheusURL: String, queries: [String: String]) throws -> TestEnvironment {
        try TestEnvironment { config in
            var prometheus = InquestConfig.Prometheus(url: prometheusURL)
            prometheus.queries = queries
            prometheus.timeoutSeconds = 2
            config.prometheus = prometheus
            config.services = [
                .init(name: "checkout-service", dependsOn: ["payment-gateway"]), .init(name: "payment-gateway"),
            ]
        }
    }

    /// Delivers the fixture incident and waits (10 s at most) for its investigation's findings; `page` gets the
    /// investigation page's HTML.
    func investigate(_ env: TestEnvironment, page: (@Sendable (String) -> Void)? = nil) async throws -> [String: Any] {
        _ = try await ChangeLog(database: env.database()).ingest(Self.changes)
        let body = try Fixtures.data("incident-created.json")
        let data = try await env.makeApp().test(.router) { client -> Data? in
            #expect(try await env.deliver(body, with: client).status == .accepted)
            return try await eventuallyValue { () -> Data? in
                let response = try await client.execute(uri: "/api/investigations/1", method: .get, headers: env.reader)
                guard response.json["findings"] is [String: Any] else { return nil }
                let html = try await client.execute(
                    uri: "/investigations/1", method: .get, headers: [.authorization: "Bearer \(env.adminToken)"])
                page?(String(buffer: html.body))
                return Data(buffer: response.body)
            }
        }
        let object = try JSONSerialization.jsonObject(with: try #require(data, "the investigation did not finish"))
        return try #require((object as? [String: Any])?["findings"] as? [String: Any])
    }

    @Test func anOnsetInPrometheusClearsTheDecoyAndNamesTheCause() async throws {
        try await withPrometheus(Self.backfill) { prometheus in
            let env = try environment(
                prometheusURL: prometheus.url, queries: ["error_ratio": #"inquest_test_error_ratio{service="{{service}}"}"#])
            let html = Mutex("")
            let findings = try await investigate(env) { page in html.withLock { $0 = page } }
            let top = try #require((findings["suspected_causes"] as? [[String: Any]])?.first)
            #expect((top["change"] as? [String: Any])?["external_id"] as? String == "pg-2.1.0")
            let evidence = findings["evidence"] as? [String] ?? []
            #expect(
                evidence.contains {
                    $0.hasPrefix("Metric: checkout-service error_ratio 0.0032 → 0.122 from 14:31 UTC, 1 min after payment-gateway deploy v2.1.0")
                }, "\(evidence)")
            let timeline = (findings["timeline"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(timeline.contains { $0.hasPrefix("Onset: checkout-service error_ratio") })
            // Slack gets the metric lines too.
            let decoded = try JSONDecoder.findings.decode(Findings.self, from: JSONSerialization.data(withJSONObject: findings))
            let slack = try SlackFindingsTemplate(path: OutboundTests.repositoryFile("config/slack_findings.mustache"))
                .render(decoded, pageURL: "https://inquest.example.com/investigations/1?token=t")
            #expect(slack.contains("*Metrics*\\n• Metric: checkout-service error_ratio 0.0032 → 0.122 from 14:31 UTC"), "\(slack)")
            // One inline chart per series, the onset marked, labels escaped, nothing that runs.
            let page = html.withLock { $0 }
            #expect(page.components(separatedBy: "<svg ").count == 3, "\(page)")
            #expect(page.contains("stroke-dasharray"))
            #expect(page.contains("team=&lt;b&gt;payments&lt;/b&gt;"))
            #expect(!page.contains("<b>payments"))
            #expect(!page.contains("<script"))
            #expect(page.contains(#">#1 #2</text>"#))  // changes 3 min apart: one label, not two printed over each other
            // As a browser draws it.
            let file = env.directory.appendingPathComponent("investigation-charts.html")
            try page.write(to: file, atomically: true, encoding: .utf8)
            let dom = try Chromium.render(
                file.absoluteString, as: "investigation-charts.png", profile: env.directory.appendingPathComponent("chromium"),
                height: 2600)
            #expect(dom.contains("<polyline"), "\(dom.suffix(1000))")
        }
    }

    @Test func emptySeriesAndAnUnreachablePrometheusAreNamedAndTheInvestigationCompletes() async throws {
        try await withPrometheus(Self.backfill) { prometheus in
            let env = try environment(prometheusURL: prometheus.url, queries: ["latency_p99": #"inquest_test_absent{service="{{service}}"}"#])
            let evidence = try await investigate(env)["evidence"] as? [String] ?? []
            #expect(evidence.contains("Metrics unavailable: query latency_p99 for checkout-service: no data (empty result)."), "\(evidence)")
        }
        let down = try environment(prometheusURL: "http://127.0.0.1:1", queries: ["error_ratio": "up"])
        let findings = try await investigate(down)
        let evidence = findings["evidence"] as? [String] ?? []
        #expect(evidence.contains { $0.hasPrefix("Metrics unavailable: query error_ratio for checkout-service: ") }, "\(evidence)")
        #expect((findings["suspected_causes"] as? [[String: Any]])?.isEmpty == false)
        #expect(down.logs.all.contains { $0.contains("Prometheus did not answer the startup check") })
    }

    @Test func aQueryThePrometheusCannotParseStopsStartupNamingItsKey() async throws {
        try await withPrometheus(Self.backfill) { prometheus in
            let env = try environment(prometheusURL: prometheus.url, queries: ["error_ratio": "sum(rate(http_requests_total[5m]"])
            do {
                _ = try await env.makeApp()
                Issue.record("startup did not fail")
            } catch {
                #expect("\(error)".hasPrefix("metrics.prometheus.queries.error_ratio: Prometheus refused the query: HTTP 400"), "\(error)")
            }
        }
    }

    @Test func prometheusConfigIsReadAndOffWithoutAURL() throws {
        let config = try InquestConfig.parse(
            yaml: """
                metrics:
                  prometheus:
                    url: http://prometheus:9090/
                    timeout_seconds: 3
                    queries: { error_ratio: 'x{service="{{service}}"}' }
                    services: { checkout-service: { error_ratio: 'y' } }
                """, file: "inquest.yaml", environment: [:])
        #expect(config.prometheus?.url == "http://prometheus:9090")
        #expect(config.prometheus?.timeoutSeconds == 3)
        #expect(config.prometheus?.services["checkout-service"]?["error_ratio"] == "y")
        #expect(try InquestConfig.parse(yaml: "metrics: { prometheus: { url: '' } }", file: "f", environment: [:]).prometheus == nil)
        #expect(throws: ConfigError.self) {
            try InquestConfig.parse(yaml: "metrics: { prometheus: { url: 'ftp://x' } }", file: "f", environment: [:])
        }
    }

    @Test func markersCloserThanALabelShareOneLabel() {
        let labels = InvestigationPageController.labels([(x: 100, rank: 2), (x: 104, rank: 1), (x: 300, rank: 3)])
        #expect(labels.map(\.text) == ["#1 #2", "#3"])
        #expect(labels.map(\.x) == [100, 300])
    }
}
