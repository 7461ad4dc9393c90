import Foundation

/// One time series from a metrics source: which query of which service it answers, the labels that tell it apart
/// from its siblings (`region="eu-west-1"`), and its points in time order. NaN and infinite values are dropped.
public struct MetricSeries: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        public var at: Date
        public var value: Double

        public init(at: Date, value: Double) {
            self.at = at
            self.value = value
        }
    }

    /// The query's name (`error_ratio`, `latency_p99`, …).
    public var metric: String
    public var service: String
    public var labels: [String: String]
    public var points: [Point]

    public init(metric: String, service: String, labels: [String: String] = [:], points: [Point]) {
        self.metric = metric
        self.service = service
        self.labels = labels
        self.points = points.filter { $0.value.isFinite }.sorted { $0.at < $1.at }
    }

    /// At most `count` points, evenly picked, keeping the first and last: enough to draw, small enough to store.
    public func thinned(to count: Int) -> MetricSeries {
        guard points.count > count, count >= 2 else { return self }
        let stride = Double(points.count - 1) / Double(count - 1)
        var copy = self
        copy.points = (0..<count).map { points[Int((Double($0) * stride).rounded())] }
        return copy
    }
}
