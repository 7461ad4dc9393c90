import AsyncHTTPClient
import Benchmark
import Foundation
import Hummingbird
import Investigation
import Logging
import PrometheusEvidence
import Synchronization

/// Reading metric evidence for one investigation: 3 services × 3 query templates (error ratio, p99 latency,
/// throughput) as concurrent `query_range` calls to a local fake Prometheus, each answering a realistic matrix (one
/// series of 286 one-minute points, a step in the middle), then onset detection. What an investigation waits for
/// before it can score the metrics factor (issue target: < 100 ms p50).
func metricEvidenceBenchmarks() {
    let fake = FakePrometheus(port: 39_174)
    let impact = Date(timeIntervalSince1970: 1_795_185_300)
    let range = impact.addingTimeInterval(-4.5 * 3600)...impact.addingTimeInterval(15 * 60)

    Benchmark(
        "Metric evidence, 3 services x 3 queries against a local Prometheus",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5))
    ) { benchmark in
        var settings = PrometheusSource.Settings(
            url: fake.url,
            queries: [
                "error_ratio": #"sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{service}}"}[5m]))"#,
                "latency_p99": #"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}"}[5m])))"#,
                "throughput": #"sum(rate(http_requests_total{service="{{service}}"}[5m]))"#,
            ])
        settings.step = .seconds(60)
        let source = PrometheusSource(settings: settings, client: .shared)
        for _ in benchmark.scaledIterations {
            let evidence = await MetricEvidence.gather(
                from: source, services: ["checkout-service", "payment-gateway", "ledger"], range: range,
                baselineEnd: impact.addingTimeInterval(-4 * 3600))
            guard evidence.failures.isEmpty, evidence.onsets.count == 9 else {
                throw BenchmarkServer.Failure.status(evidence.onsets.count)
            }
            blackHole(evidence)
        }
    } setup: {
        try await fake.start(start: range.lowerBound, points: 286)
    } teardown: {
        await fake.stop()
    }
}

/// Answers every `query_range` with the same matrix: one series with a baseline of about 0.3 % and a step to 12 %
/// 50 minutes before the range ends.
final class FakePrometheus: Sendable {
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(port: Int) {
        self.port = port
    }

    func start(start: Date, points: Int) async throws {
        var values: [String] = []
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for index in 0..<points {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 40) / Double(1 << 24) * 0.0008
            let value = (index >= points - 50 ? 0.12 : 0.003) + noise
            values.append(#"[\#(Int(start.timeIntervalSince1970) + index * 60),"\#(value)"]"#)
        }
        let body = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"service":"checkout-service","job":"api","region":"us-east-1"},"values":[\#(values.joined(separator: ","))]}]}}"#
        let router = Router()
        router.get("**") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: body)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: Logger(label: "fake-prometheus") { _ in SwiftLogNoOpLogHandler() })
        task.withLock { $0 = Task { try await app.runService() } }
        for _ in 0..<100 {
            if (try? await HTTPClient.shared.execute(.init(url: url + "/ready"), timeout: .seconds(1)))?.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkServer.Failure.notReady
    }

    func stop() async {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        _ = await task.result
    }
}
