import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The service's own metrics: one Prometheus registry that every module records into through swift-metrics, and
/// its text exposition for `GET /metrics`. One per application rather than the process-wide `MetricsSystem`, so
/// that tests can run several applications in one process.
public final class Telemetry: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// What modules record into.
    public let factory: any MetricsFactory
    /// Label sets of scrape-time gauges seen so far, by metric: a state that empties is set back to 0 instead of
    /// keeping its last count.
    private let gaugeSeries = Mutex<[String: Set<[String]>]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["inquest_group_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        factory.durationHistogramBuckets["inquest_page_lateness_seconds"] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(15), .seconds(60),
            .seconds(300),
        ]
        factory.durationHistogramBuckets["inquest_investigation_duration_seconds"] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15),
        ]
        self.factory = factory
    }

    /// Sets a gauge family read from the database at scrape time (outbox depth, escalations by state): each label
    /// set to its count, and every set seen earlier but absent now to 0.
    func setGauges(_ name: String, labels: [String], to counts: [[String]: Int]) {
        let stale = gaugeSeries.withLock { seen in
            defer { seen[name, default: []].formUnion(counts.keys) }
            return seen[name, default: []].subtracting(counts.keys)
        }
        for (values, count) in counts {
            Gauge(label: name, dimensions: Array(zip(labels, values)), factory: factory).record(count)
        }
        for values in stale {
            Gauge(label: name, dimensions: Array(zip(labels, values)), factory: factory).record(0)
        }
    }

    /// The Prometheus text exposition, with a `# HELP` line for each metric Inquest documents.
    func exposition() -> String {
        var lines: [Substring] = []
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first,
                let help = Self.help[String(name)]
            {
                lines.append("# HELP \(name) \(help)")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Every metric Inquest records; the README lists the same.
    static let help: [String: String] = [
        "inquest_http_requests_total": "HTTP requests answered, by method, route and status.",
        "inquest_http_request_duration_seconds": "Time to answer HTTP requests, by method and route.",
        "inquest_deliveries_total": "Webhook deliveries by source and outcome; rejections by reason.",
        "inquest_group_commit_batch_size": "Deliveries committed together in one transaction.",
        "inquest_investigations_total": "Investigation attempts by outcome (done, retry, failed, discarded).",
        "inquest_investigation_duration_seconds": "Time from claiming an investigation to storing its findings.",
        "inquest_outbox_messages": "Outbox messages by state and provider, read at scrape time.",
        "inquest_delivery_attempts_total": "Outbound delivery attempts by provider and result.",
        "inquest_dead_letters_total": "Outbound messages that went dead, by provider and reason.",
        "inquest_escalations": "Alert escalations by state, read at scrape time.",
        "inquest_page_lateness_seconds": "How long after its due time each page was queued.",
    ]
}
