import CoreMetrics

/// Counts deliveries by sender and by what became of them (`inquest_deliveries_total{source, outcome, reason}`): a
/// sender whose signatures stopped verifying shows on a dashboard before anyone wonders why nothing arrives.
public struct DeliveryMetrics: Sendable {
    public enum Outcome: String, Sendable {
        case accepted, duplicate, ignored, rejected
    }

    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// - Parameter reason: for a rejection, a short fixed code (`invalidSignature`, `malformed`, `too_large`), never
    ///   text from the request: every distinct value is a new series.
    public func record(_ source: String, _ outcome: Outcome, reason: String = "") {
        Counter(
            label: "inquest_deliveries_total",
            dimensions: [("source", source), ("outcome", outcome.rawValue), ("reason", reason)], factory: factory
        ).increment()
    }
}
