import Foundation
import Investigation

/// A labelled scenario's metrics, written as steps — a service's metric at its baseline, and from `onset` on at
/// `after` — and served as one-minute series to the same onset detection and correlation production uses.
public struct ScenarioMetrics: MetricSource, Equatable {
    public struct Step: Sendable, Equatable, Decodable {
        public var service: String
        public var metric: String
        public var baseline: Double
        public var onset: Date?
        public var after: Double?

        enum CodingKeys: String, CodingKey {
            case service, metric, baseline, onset, after
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            service = try container.decode(String.self, forKey: .service)
            metric = try container.decode(String.self, forKey: .metric)
            baseline = try container.decode(Double.self, forKey: .baseline)
            after = try container.decodeIfPresent(Double.self, forKey: .after)
            if let text = try container.decodeIfPresent(String.self, forKey: .onset) {
                guard let date = Date(rfc3339: text) else {
                    throw DecodingError.dataCorruptedError(forKey: .onset, in: container, debugDescription: "not RFC 3339")
                }
                onset = date
            }
        }
    }

    public var steps: [Step]

    public func series(for services: [String], over range: ClosedRange<Date>) async -> Answer {
        let minutes = Int(range.upperBound.timeIntervalSince(range.lowerBound) / 60)
        let series = steps.filter { services.contains($0.service) }.map { step in
            MetricSeries(
                metric: step.metric, service: step.service,
                points: (0...minutes).map { minute in
                    let at = range.lowerBound.addingTimeInterval(Double(minute * 60))
                    // A small, deterministic wobble, as real series have.
                    let level = step.onset.map { at >= $0 } == true ? (step.after ?? step.baseline) : step.baseline
                    return MetricSeries.Point(at: at, value: level * (1 + 0.01 * Double(minute % 3 - 1)))
                })
        }
        return (series, [])
    }
}
