import AsyncHTTPClient
import Benchmark
import Foundation
import Investigation
import PrometheusEvidence
import Synchronization

/// Reading metric evidence for one investigation: 3 services × 3 query templates (error ratio, p99 latency,
/// throughput) as concurrent `query_range` calls to a real local Prometheus (Debian's `prometheus`, its TSDB backfilled
/// with `promtool` with 286 one-minute points per series, a step in each), then onset detection. What an
/// investigation waits for before it can score the metrics factor (issue target: < 100 ms p50).
func metricEvidenceBenchmarks() {
    let prometheus = Mutex<LocalPrometheus?>(nil)
    let impact = Date(timeIntervalSince1970: 1_795_185_300)
    let range = impact.addingTimeInterval(-4.5 * 3600)...impact.addingTimeInterval(15 * 60)
    let services = ["checkout-service", "payment-gateway", "ledger"]

    Benchmark(
        "Metric evidence, 3 services x 3 queries against a local Prometheus",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5))
    ) { benchmark in
        guard let url = prometheus.withLock({ $0?.url }) else { throw BenchmarkServer.Failure.notReady }
        var settings = PrometheusSource.Settings(
            url: url,
            queries: [
                "error_ratio": #"bench_error_ratio{service="{{service}}"}"#,
                "latency_p99": #"bench_latency_p99_seconds{service="{{service}}"}"#,
                "throughput": #"bench_requests_per_second{service="{{service}}"}"#,
            ])
        settings.step = .seconds(60)
        let source = PrometheusSource(settings: settings, client: .shared)
        for _ in benchmark.scaledIterations {
            let evidence = await MetricEvidence.gather(
                from: source, services: services, range: range, baselineEnd: impact.addingTimeInterval(-4 * 3600))
            guard evidence.failures.isEmpty, evidence.onsets.count == 9 else {
                throw BenchmarkServer.Failure.status(evidence.onsets.count)
            }
            blackHole(evidence)
        }
    } setup: {
        var lines: [String] = []
        for (name, base, step) in [
            ("bench_error_ratio", 0.003, 0.12), ("bench_latency_p99_seconds", 0.2, 3.0), ("bench_requests_per_second", 900.0, 300.0),
        ] {
            lines.append("# TYPE \(name) gauge")
            for service in services {
                var state: UInt64 = 0x2545_F491_4F6C_DD1D
                for minute in 0..<286 {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let noise = Double(state >> 40) / Double(1 << 24) * base * 0.1
                    let value = (minute >= 236 ? step : base) + noise
                    lines.append("\(name){service=\"\(service)\"} \(value) \(Int(range.lowerBound.timeIntervalSince1970) + minute * 60)")
                }
            }
        }
        let started = try await LocalPrometheus(openMetrics: lines.joined(separator: "\n") + "\n# EOF\n", port: 39_174)
        prometheus.withLock { $0 = started }
    } teardown: {
        prometheus.withLock { $0?.stop(); $0 = nil }
    }
}

/// Debian's `prometheus` on a loopback port, its TSDB backfilled from OpenMetrics text with `promtool`.
final class LocalPrometheus: @unchecked Sendable {
    let url: String
    private let process = Process()
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-prometheus-\(UUID())")

    init(openMetrics: String, port: Int) async throws {
        url = "http://127.0.0.1:\(port)"
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let input = directory.appendingPathComponent("series.om")
        try openMetrics.write(to: input, atomically: true, encoding: .utf8)
        let backfill = Process()
        backfill.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        backfill.arguments = ["tsdb", "create-blocks-from", "openmetrics", input.path, data.path]
        backfill.standardOutput = FileHandle.nullDevice
        try backfill.run()
        backfill.waitUntilExit()
        guard backfill.terminationStatus == 0 else { throw BenchmarkServer.Failure.status(Int(backfill.terminationStatus)) }
        let config = directory.appendingPathComponent("prometheus.yml")
        try "global: {}\nscrape_configs: []\n".write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(data.path)", "--storage.tsdb.retention.time=100y",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<300 {
            if (try? await HTTPClient.shared.execute(.init(url: url + "/-/ready"), timeout: .seconds(1)))?.status == .ok { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw BenchmarkServer.Failure.notReady
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
