import Foundation

/// Where metric series come from (Prometheus in production): every configured query for each service over a range.
/// A failed query is reported, never thrown: an investigation completes without the metrics it could not get.
public protocol MetricSource: Sendable {
    func series(for services: [String], over range: ClosedRange<Date>) async -> MetricSource.Answer
}

extension MetricSource {
    public typealias Answer = (series: [MetricSeries], failures: [String])
}

/// What the metrics said about an incident: the onsets found, and what could not be seen.
public struct MetricEvidence: Sendable, Equatable, Codable {
    public var onsets: [Onset]
    /// `metrics unavailable: query error_ratio for checkout-service: timeout after 5 s`.
    public var failures: [String]
    /// Services whose metrics were queried.
    public var services: [String]
    /// The series read, thinned for the investigation page's charts.
    public var series: [MetricSeries]

    public init(onsets: [Onset] = [], failures: [String] = [], services: [String] = [], series: [MetricSeries] = []) {
        self.onsets = onsets
        self.failures = failures
        self.services = services
        self.series = series
    }

    /// Queries `services` over `range` and finds each series' onset against the baseline before `baselineEnd`.
    public static func gather(
        from source: any MetricSource, services: [String], range: ClosedRange<Date>, baselineEnd: Date,
        detector: OnsetDetector = OnsetDetector()
    ) async -> MetricEvidence {
        let answer = await source.series(for: services, over: range)
        let onsets = answer.series.compactMap { detector.onset(in: $0, baselineEnd: baselineEnd) }.sorted { $0.at < $1.at }
        return MetricEvidence(
            onsets: onsets, failures: answer.failures, services: services,
            series: answer.series.prefix(12).map { $0.thinned(to: 120) })
    }

    /// Where the affected services' metrics moved, when their series are broken out by place (`region`, `zone`,
    /// `cell`, …): the places whose series have an onset, and every place a series was read for. Nil when no query
    /// of these services had series for two or more places.
    public func places(of services: [String]) -> (moved: Set<String>, all: Set<String>)? {
        var all: Set<String> = []
        var moved: Set<String> = []
        for item in series where services.contains(item.service) {
            guard let place = Self.place(item.labels) else { continue }
            all.insert(place)
            if onsets.contains(where: { $0.service == item.service && $0.metric == item.metric && $0.labels == item.labels }) {
                moved.insert(place)
            }
        }
        return all.count >= 2 ? (moved, all) : nil
    }

    private static func place(_ labels: [String: String]) -> String? {
        ["region", "zone", "availability_zone", "az", "cell", "datacenter", "dc"].lazy.compactMap { labels[$0]?.lowercased() }.first
    }

    /// The earliest onset of any of `services`.
    func earliest(of services: [String]) -> Onset? {
        onsets.first { services.contains($0.service) }
    }
}
