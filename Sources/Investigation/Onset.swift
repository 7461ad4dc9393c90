import Foundation

/// When a series left its normal level, and by how much: the first sustained excursion past a robust baseline.
public struct Onset: Sendable, Equatable, Codable {
    public var metric: String
    public var service: String
    public var labels: [String: String]
    public var at: Date
    /// The baseline (median before the window) and the level after the step (median of the excursion).
    public var before: Double
    public var after: Double

    public init(metric: String, service: String, labels: [String: String], at: Date, before: Double, after: Double) {
        self.metric = metric
        self.service = service
        self.labels = labels
        self.at = at
        self.before = before
        self.after = after
    }

    /// `checkout-service error_ratio 0.003 → 0.12 from 14:32`.
    public var description: String {
        let place = labels.isEmpty ? "" : " (" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        return "\(service) \(metric)\(place) \(Self.format(before)) → \(Self.format(after)) from \(Findings.time(at).suffix(8).prefix(5)) UTC"
    }

    public static func format(_ value: Double) -> String {
        switch abs(value) {
        case 0: "0"
        case ..<0.01: String(format: "%.4f", value)
        case ..<10: String(format: "%.3g", value)
        default: String(format: "%.0f", value)
        }
    }
}

/// Finds onsets: a baseline of median and MAD over the points before `baselineEnd`, then the first run of
/// `sustain` consecutive later points each beyond `k`·MAD of the median and `minimumRelativeChange` away from it.
/// Flat, empty or too short series have no onset. Deterministic and explainable: the onset is a point of the series.
public struct OnsetDetector: Sendable {
    public var k = 4.0
    public var sustain = 3
    public var minimumRelativeChange = 0.5
    /// Fewer baseline points than this give no onset.
    public var minimumBaseline = 5

    public init() {}

    public func onset(in series: MetricSeries, baselineEnd: Date) -> Onset? {
        let baseline = series.points.filter { $0.at < baselineEnd }.map(\.value)
        let after = series.points.filter { $0.at >= baselineEnd }
        guard baseline.count >= minimumBaseline, after.count >= sustain else { return nil }
        let median = Self.median(baseline)
        // A perfectly flat baseline has MAD 0; a floor keeps a tiny wobble from counting as an excursion.
        let mad = max(Self.median(baseline.map { abs($0 - median) }), abs(median) * 0.01, 1e-9)
        func excursive(_ value: Double) -> Bool {
            let change = abs(value - median)
            let relative = median == 0 ? (change > 0 ? .infinity : 0) : change / abs(median)
            return change > k * mad && relative >= minimumRelativeChange
        }
        var index = 0
        while index + sustain <= after.count {
            let run = after[index..<(index + sustain)]
            if run.allSatisfy({ excursive($0.value) }),
                Set(run.map { $0.value > median }).count == 1
            {
                let level = Self.median(after[index...].prefix(sustain * 2).map(\.value))
                return Onset(
                    metric: series.metric, service: series.service, labels: series.labels, at: after[index].at,
                    before: median, after: level)
            }
            index += 1
        }
        return nil
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }
}
