import Foundation
import GRDB
import Investigation
import WebhookIn

/// Measures correlation on labelled scenarios, next to the baseline responders use by hand: "the most recent
/// change to the affected service".
///
/// Each scenario runs through the real `Investigator` against its own in-memory database holding its change log,
/// so the window queries and the service catalog are exercised as in production. Besides Hit@k it measures whether
/// the confidence means frequency: the Brier score of the top cause, a reliability table, and how often a
/// "suspected cause" or "possible" answer is right.
public struct ScenarioEvaluation: Sendable {
    /// One scenario's answers.
    public struct Case: Sendable {
        public var file: String
        /// The `external_id` of the change that really caused the incident, or nil.
        public var cause: String?
        /// Inquest's candidates, best first (`external_id`s).
        public var ranking: [String]
        /// The other records of each ranked candidate's event (a canary of the same release): naming the event
        /// names them too.
        public var events: [[String]]
        /// Inquest's top candidate when it reached the "suspected cause" band.
        public var suspect: String?
        public var topConfidence: Double?
        /// The baseline's ranking: changes to the affected services in the window, most recent first.
        public var baseline: [String]

        /// Whether the candidate at `rank` (0-based) is the cause or a record of the cause's event.
        func names(_ cause: String, at rank: Int) -> Bool {
            rank < ranking.count && (ranking[rank] == cause || events[rank].contains(cause))
        }

        /// Whether the top candidate is right; for a scenario without a cause, never.
        var topIsRight: Bool { cause.map { names($0, at: 0) } ?? false }
    }

    /// Hit@k over scenarios with a cause; "no strong suspect" over scenarios without one; how often a method named
    /// a suspect that was not the cause (a false lead during an incident); and calibration.
    public struct Score: Sendable, Equatable {
        public var withCause = 0
        public var hitAt1 = 0
        public var hitAt3 = 0
        public var withoutCause = 0
        public var noSuspectWhenNoCause = 0
        public var wrongSuspect = 0
        /// Sum over scenarios of (confidence of the top cause − 1 if it is right else 0)²; a scenario with no
        /// candidate counts (0 − 0)², or 1 when it had a cause.
        public var brierSum = 0.0
        public var scenarios = 0
        public var suspected = 0
        public var suspectedRight = 0
        public var possible = 0
        public var possibleRight = 0
        /// Per confidence bin (see ``bins``): answers and right answers, and the confidences' sum.
        public var bins = Array(repeating: Bin(), count: ScenarioEvaluation.bins.count)

        public struct Bin: Sendable, Equatable {
            public var count = 0
            public var right = 0
            public var confidence = 0.0
        }

        public var hitAt1Rate: Double { Double(hitAt1) / Double(max(withCause, 1)) }
        public var hitAt3Rate: Double { Double(hitAt3) / Double(max(withCause, 1)) }
        public var noChangeRate: Double { Double(noSuspectWhenNoCause) / Double(max(withoutCause, 1)) }
        public var brier: Double { brierSum / Double(max(scenarios, 1)) }
        public var suspectedPrecision: Double { Double(suspectedRight) / Double(max(suspected, 1)) }
        public var possiblePrecision: Double { Double(possibleRight) / Double(max(possible, 1)) }

        mutating func add(_ item: Case, confidence: Double?, suspect: String?) {
            scenarios += 1
            let right = item.topIsRight
            if let cause = item.cause {
                withCause += 1
                if item.names(cause, at: 0) { hitAt1 += 1 }
                if (0..<3).contains(where: { item.names(cause, at: $0) }) { hitAt3 += 1 }
            } else {
                withoutCause += 1
                if suspect == nil { noSuspectWhenNoCause += 1 }
            }
            if suspect != nil, !right { wrongSuspect += 1 }
            let p = confidence ?? 0
            brierSum += (p - (right ? 1 : 0)) * (p - (right ? 1 : 0))
            if let confidence {
                if confidence >= 0.7 {
                    suspected += 1
                    if right { suspectedRight += 1 }
                } else if confidence >= 0.4 {
                    possible += 1
                    if right { possibleRight += 1 }
                }
                let bin = ScenarioEvaluation.bins.lastIndex { confidence >= $0.lowerBound } ?? 0
                bins[bin].count += 1
                bins[bin].confidence += confidence
                if right { bins[bin].right += 1 }
            }
        }
    }

    /// Confidence bins of the reliability table.
    public static let bins: [Range<Double>] = [0..<0.2, 0.2..<0.4, 0.4..<0.55, 0.55..<0.7, 0.7..<0.85, 0.85..<1.01]

    public var cases: [Case]
    public var inquest = Score()
    public var baseline = Score()

    /// - Parameter metrics: also read the scenarios' metrics (those that have some), as production reads Prometheus.
    public static func run(_ scenarios: [Scenario], settings: CorrelationSettings, metrics: Bool = false) async throws
        -> ScenarioEvaluation
    {
        var evaluation = ScenarioEvaluation(cases: [])
        for scenario in scenarios {
            let (findings, result) = try await investigate(scenario, settings: settings, metrics: metrics)
            let baseline = baselineRanking(scenario, incident: findings.incident, settings: settings)
            let item = Case(
                file: scenario.file, cause: scenario.cause, ranking: result.candidates.map(\.change.externalID),
                events: result.candidates.map { ($0.related ?? []).map(\.externalID) },
                suspect: findings.rootCause?.change.externalID, topConfidence: result.candidates.first?.confidence,
                baseline: baseline)
            evaluation.cases.append(item)
            evaluation.inquest.add(item, confidence: item.topConfidence, suspect: item.suspect)
            // The baseline always blames the most recent change it finds, with full conviction.
            let blamed = Case(
                file: item.file, cause: item.cause, ranking: baseline, events: baseline.map { _ in [] },
                suspect: baseline.first, topConfidence: baseline.isEmpty ? nil : 1, baseline: baseline)
            evaluation.baseline.add(blamed, confidence: blamed.topConfidence, suspect: blamed.suspect)
        }
        return evaluation
    }

    /// One scenario through the real investigator, against its own in-memory database holding its change log.
    /// Metrics, when asked for and the scenario has them, are read between two database reads, as the worker does.
    static func investigate(_ scenario: Scenario, settings: CorrelationSettings, metrics: Bool = false) async throws
        -> (findings: Findings, result: Correlator.Result)
    {
        let database = try DatabaseQueue()
        try InquestDatabase.migrator.migrate(database)
        _ = try await ChangeLog(database: database).ingest(scenario.changes)
        let investigator = Investigator(settings: settings, catalog: scenario.catalog)
        let start = Date(timeIntervalSince1970: 0)
        var evidence: MetricEvidence?
        if metrics, let source = scenario.metrics {
            let plan = try await database.read { db in
                try investigator.metricPlan(scenario.incident, priority: .p1, fallbackStart: start, in: db)
            }
            evidence = await MetricEvidence.gather(
                from: source, services: plan.services, range: plan.range, baselineEnd: plan.baselineEnd)
        }
        return try await database.read { [evidence] db in
            try investigator.investigateRanking(
                scenario.incident, priority: .p1, fallbackStart: start, metrics: evidence, in: db)
        }
    }

    /// Every candidate of one scenario with its factors, best first: what a developer reads to see why a scenario
    /// is missed (`inquest evaluate --explain NAME`).
    public static func explain(_ scenario: Scenario, settings: CorrelationSettings, metrics: Bool = false) async throws
        -> String
    {
        let (findings, result) = try await investigate(scenario, settings: settings, metrics: metrics)
        let header =
            "\(scenario.file): cause \(scenario.cause ?? "none"); impact start \(Findings.time(findings.incident.impactStart)) "
            + "(\(findings.incident.impactStartSource)); services \(findings.incident.services.joined(separator: ", "))"
        let lines = [header] + result.explanation(marking: scenario.cause)
        return lines.joined(separator: "\n")
    }

    /// The softmax temperature and "not a logged change" score with the least top-cause Brier score on
    /// `scenarios`, searched over a grid: how `correlation.temperature` and `no_change_score` were chosen.
    public static func fit(_ scenarios: [Scenario], settings: CorrelationSettings) async throws
        -> (temperature: Double, noChangeScore: Double, brier: Double)
    {
        var best = (temperature: settings.temperature, noChangeScore: settings.noChangeScore, brier: Double.infinity)
        for temperature in stride(from: 5.0, through: 14.0, by: 1.5) {
            for noChange in stride(from: 35.0, through: 65.0, by: 5.0) {
                var candidate = settings
                candidate.temperature = temperature
                candidate.noChangeScore = noChange
                let brier = try await run(scenarios, settings: candidate).inquest.brier
                if brier < best.brier { best = (temperature, noChange, brier) }
            }
        }
        return best
    }

    /// Changes to the incident's own services in the same window, most recent first; nothing when the incident
    /// names no service.
    static func baselineRanking(_ scenario: Scenario, incident: IncidentContext, settings: CorrelationSettings) -> [String] {
        let window = Correlator(settings: settings, catalog: scenario.catalog).window(for: incident)
        return scenario.changes
            .filter { incident.services.contains($0.service) && window.contains($0.occurredAt) }
            .filter { change in
                incident.environment == nil || change.environment == nil
                    || change.environment?.lowercased() == incident.environment?.lowercased()
            }
            .sorted { $0.occurredAt > $1.occurredAt }
            .map(\.externalID)
    }

    /// A table of every scenario, then the two scores and Inquest's reliability table, for `inquest evaluate`.
    public var report: String {
        var rows = [["scenario", "cause", "inquest top 3", "conf.", "suspect", "baseline top 3"]]
        for item in cases {
            rows.append([
                item.file, item.cause ?? "none", item.ranking.prefix(3).joined(separator: ", "),
                item.topConfidence.map { String(format: "%.0f%%", $0 * 100) } ?? "-",
                item.suspect ?? "no strong suspect", item.baseline.prefix(3).joined(separator: ", "),
            ])
        }
        var lines = Self.table(rows)
        lines.append("")
        lines += summary
        return lines.joined(separator: "\n")
    }

    /// A header and Inquest's score as a row named `name`.
    public func scoreRows(named name: String) -> [[String]] {
        [Self.scoreHeader, Self.row(name, inquest)]
    }

    static let scoreHeader = [
        "method", "Hit@1", "Hit@3", "no-change right", "wrong suspect", "Brier (top)", "\"suspected\" right",
        "\"possible\" right",
    ]

    static func row(_ name: String, _ score: Score) -> [String] {
        [
            name, rate(score.hitAt1, score.withCause), rate(score.hitAt3, score.withCause),
            rate(score.noSuspectWhenNoCause, score.withoutCause), "\(score.wrongSuspect) of \(score.scenarios)",
            String(format: "%.3f", score.brier), rate(score.suspectedRight, score.suspected),
            rate(score.possibleRight, score.possible),
        ]
    }

    /// The score table and reliability table alone.
    public var summary: [String] {
        var lines = Self.table([Self.scoreHeader, Self.row("inquest", inquest), Self.row("baseline", baseline)])
        lines.append("")
        var reliability = [["confidence of the top cause", "answers", "mean confidence", "right"]]
        for (range, bin) in zip(Self.bins, inquest.bins) {
            reliability.append([
                String(format: "%.0f–%.0f %%", range.lowerBound * 100, min(range.upperBound, 1) * 100), "\(bin.count)",
                bin.count == 0 ? "-" : String(format: "%.0f %%", bin.confidence / Double(bin.count) * 100),
                Self.rate(bin.right, bin.count),
            ])
        }
        lines += Self.table(reliability)
        return lines
    }

    /// Left-aligned columns separated by two spaces.
    public static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
    }

    private static func rate(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%d/%d = %.0f%%", part, whole, Double(part) / Double(whole) * 100)
    }
}
