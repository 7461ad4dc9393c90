import Foundation
import GRDB
import Investigation
import WebhookIn

/// Measures correlation on labelled scenarios, next to the baseline responders use by hand: "the most recent
/// change to the affected service".
///
/// Each scenario runs through the real `Investigator` against its own in-memory database holding its change log,
/// so the window queries and the service catalog are exercised as in production.
public struct ScenarioEvaluation: Sendable {
    /// One scenario's answers.
    public struct Case: Sendable {
        public var file: String
        /// The `external_id` of the change that really caused the incident, or nil.
        public var cause: String?
        /// Inquest's candidates, best first (`external_id`s).
        public var ranking: [String]
        /// Inquest's top candidate when it reached the "suspected cause" band.
        public var suspect: String?
        public var topConfidence: Double?
        /// The baseline's ranking: changes to the affected services in the window, most recent first.
        public var baseline: [String]
    }

    /// Hit@k over scenarios with a cause; "no strong suspect" over scenarios without one; and how often a
    /// method named a suspect that was not the cause (a false lead during an incident).
    public struct Score: Sendable, Equatable {
        public var withCause = 0
        public var hitAt1 = 0
        public var hitAt3 = 0
        public var withoutCause = 0
        public var noSuspectWhenNoCause = 0
        public var wrongSuspect = 0

        public var hitAt1Rate: Double { Double(hitAt1) / Double(max(withCause, 1)) }
        public var hitAt3Rate: Double { Double(hitAt3) / Double(max(withCause, 1)) }
        public var noChangeRate: Double { Double(noSuspectWhenNoCause) / Double(max(withoutCause, 1)) }

        mutating func add(cause: String?, ranking: [String], suspect: String?) {
            if let cause {
                withCause += 1
                if ranking.first == cause { hitAt1 += 1 }
                if ranking.prefix(3).contains(cause) { hitAt3 += 1 }
            } else {
                withoutCause += 1
                if suspect == nil { noSuspectWhenNoCause += 1 }
            }
            if let suspect, suspect != cause { wrongSuspect += 1 }
        }
    }

    public var cases: [Case]
    public var inquest = Score()
    public var baseline = Score()

    public static func run(_ scenarios: [Scenario], settings: CorrelationSettings) async throws -> ScenarioEvaluation {
        var evaluation = ScenarioEvaluation(cases: [])
        for scenario in scenarios {
            let database = try DatabaseQueue()
            try InquestDatabase.migrator.migrate(database)
            _ = try await ChangeLog(database: database).ingest(scenario.changes)
            let investigator = Investigator(settings: settings, catalog: scenario.catalog)
            let findings = try await database.read { db in
                try investigator.investigate(
                    scenario.incident, priority: .p1, fallbackStart: Date(timeIntervalSince1970: 0), in: db)
            }
            let ranking = findings.suspectedCauses.map(\.change.externalID)
            let baseline = baselineRanking(scenario, incident: findings.incident, settings: settings)
            let result = Case(
                file: scenario.file, cause: scenario.cause, ranking: ranking,
                suspect: findings.rootCause?.change.externalID, topConfidence: findings.suspectedCauses.first?.confidence,
                baseline: baseline)
            evaluation.cases.append(result)
            evaluation.inquest.add(cause: scenario.cause, ranking: ranking, suspect: result.suspect)
            // The baseline always blames the most recent change it finds.
            evaluation.baseline.add(cause: scenario.cause, ranking: baseline, suspect: baseline.first)
        }
        return evaluation
    }

    /// Changes to the incident's own services in the same window, most recent first; nothing when the incident
    /// names no service.
    static func baselineRanking(_ scenario: Scenario, incident: IncidentContext, settings: CorrelationSettings) -> [String] {
        let window = Correlator(settings: settings, catalog: scenario.catalog).window(for: incident)
        return scenario.changes
            .filter { incident.services.contains($0.service) && window.contains($0.occurredAt) }
            .sorted { $0.occurredAt > $1.occurredAt }
            .map(\.externalID)
    }

    /// A table of every scenario and the two scores, for `inquest evaluate`.
    public var report: String {
        var lines = ["scenario | cause | inquest top 3 (confidence of #1) | suspect | baseline top 3"]
        for item in cases {
            let confidence = item.topConfidence.map { String(format: " (%.0f%%)", $0 * 100) } ?? ""
            lines.append(
                [
                    item.file, item.cause ?? "none", item.ranking.prefix(3).joined(separator: ", ") + confidence,
                    item.suspect ?? "no strong suspect", item.baseline.prefix(3).joined(separator: ", "),
                ].joined(separator: " | "))
        }
        lines.append("")
        lines.append("method   | Hit@1 | Hit@3 | no-change answered \"no strong suspect\" | wrong suspect named")
        for (name, score) in [("inquest ", inquest), ("baseline", baseline)] {
            lines.append(
                "\(name) | \(Self.rate(score.hitAt1, score.withCause)) | \(Self.rate(score.hitAt3, score.withCause)) | "
                    + "\(Self.rate(score.noSuspectWhenNoCause, score.withoutCause)) | \(score.wrongSuspect) of \(cases.count)")
        }
        return lines.joined(separator: "\n")
    }

    private static func rate(_ part: Int, _ whole: Int) -> String {
        String(format: "%d/%d = %.0f%%", part, whole, Double(part) / Double(max(whole, 1)) * 100)
    }
}
