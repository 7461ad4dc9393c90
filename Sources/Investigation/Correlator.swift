import Foundation

/// Ranks changes as suspected causes of an incident with an explainable score and an honest confidence.
///
/// Pure: it gets the incident and the changes, and returns every candidate with the factors behind its score,
/// plus the changes it set aside and why. `docs/correlation.md` documents the function with a worked example.
public struct Correlator: Sendable {
    public enum Band: String, Sendable, Codable, Comparable {
        case suspected = "suspected cause"
        case possible
        case weak
        case timelineOnly = "timeline only"

        init(confidence: Double) {
            switch confidence {
            case 0.7...: self = .suspected
            case 0.4..<0.7: self = .possible
            case 0.2..<0.4: self = .weak
            default: self = .timelineOnly
            }
        }

        public static func < (lhs: Band, rhs: Band) -> Bool { lhs.order < rhs.order }
        private var order: Int {
            switch self {
            case .suspected: 0
            case .possible: 1
            case .weak: 2
            case .timelineOnly: 3
            }
        }
    }

    /// One feature's contribution: its value in 0…1, its weight in points, and why it has that value.
    public struct Factor: Sendable, Codable, Equatable {
        public var name: String
        public var value: Double
        public var weight: Double
        public var points: Double
        public var reason: String
    }

    public struct Candidate: Sendable, Codable, Equatable {
        public var change: Change
        /// 0…100: the sum of the factors' points, after any demotion.
        public var score: Double
        public var confidence: Double
        public var band: Band
        public var factors: [Factor]
        /// Why the score was lowered (a later rollback), if it was.
        public var demotion: String?
    }

    public struct Exclusion: Sendable, Codable, Equatable {
        public var change: Change
        public var reason: String
    }

    public struct Result: Sendable, Codable, Equatable {
        /// Best first.
        public var candidates: [Candidate]
        public var excluded: [Exclusion]
        /// The probability that no logged change caused the incident.
        public var noChangeConfidence: Double
        public var windowStart: Date
        public var windowEnd: Date
    }

    public let settings: CorrelationSettings
    public let catalog: ServiceCatalog

    public init(settings: CorrelationSettings, catalog: ServiceCatalog) {
        self.settings = settings
        self.catalog = catalog
    }

    public func window(for incident: IncidentContext) -> ClosedRange<Date> {
        incident.impactStart.addingTimeInterval(
            -settings.lookback.seconds)...incident.impactStart
            .addingTimeInterval(settings.skew.seconds)
    }

    public func correlate(_ incident: IncidentContext, changes: [Change]) -> Result {
        let window = window(for: incident)
        let related = catalog.neighbourhood(of: incident.services)
        var excluded: [Exclusion] = []
        var eligible: [Change] = []
        var unrelatedKept = 0
        for change in changes.sorted(by: { $0.occurredAt > $1.occurredAt }) {
            if let reason = exclusion(of: change, incident: incident, window: window) {
                excluded.append(Exclusion(change: change, reason: reason))
            } else if !incident.services.isEmpty, !related.contains(change.service) {
                if unrelatedKept < settings.unrelatedCandidateLimit {
                    unrelatedKept += 1
                    eligible.append(change)
                } else {
                    excluded.append(
                        Exclusion(
                            change: change,
                            reason:
                                "unrelated service; only the \(settings.unrelatedCandidateLimit) most recent unrelated changes are scored"
                        ))
                }
            } else {
                eligible.append(change)
            }
        }

        let tokens = Self.tokens(in: incident.text)
        var scored = eligible.map { change in score(change, incident: incident, incidentTokens: tokens, among: eligible) }
        let temperature = settings.temperature
        let noChange = exp(settings.noChangeScore / temperature)
        let total = scored.reduce(noChange) { $0 + exp($1.score / temperature) }
        let cap =
            incident.services.isEmpty
            ? min(settings.maximumConfidence, settings.unknownServiceConfidenceCap) : settings.maximumConfidence
        for index in scored.indices {
            let confidence = min(cap, exp(scored[index].score / temperature) / total)
            scored[index].confidence = confidence
            scored[index].band = Band(confidence: confidence)
        }
        scored.sort { ($0.score, $0.change.occurredAt) > ($1.score, $1.change.occurredAt) }
        return Result(
            candidates: scored, excluded: excluded, noChangeConfidence: noChange / total,
            windowStart: window.lowerBound, windowEnd: window.upperBound)
    }

    private func exclusion(of change: Change, incident: IncidentContext, window: ClosedRange<Date>) -> String? {
        if change.occurredAt < window.lowerBound {
            return "occurred \(Self.duration(incident.impactStart.timeIntervalSince(change.occurredAt))) before impact start, "
                + "outside the \(Self.duration(settings.lookback.seconds)) lookback"
        }
        if change.occurredAt > window.upperBound {
            return "occurred \(Self.duration(change.occurredAt.timeIntervalSince(incident.impactStart))) after impact start, "
                + "beyond the \(Self.duration(settings.skew.seconds)) clock-skew allowance"
        }
        if let wanted = incident.environment, let environment = change.environment,
            environment.lowercased() != wanted.lowercased()
        {
            return "environment \(environment), the incident is in \(wanted)"
        }
        return nil
    }

    private func score(_ change: Change, incident: IncidentContext, incidentTokens: Tokens, among: [Change]) -> Candidate {
        let weights = settings.weights
        var factors: [Factor] = []
        func add(_ name: String, _ value: Double, _ weight: Double, _ reason: String) {
            factors.append(Factor(name: name, value: value, weight: weight, points: value * weight, reason: reason))
        }

        let minutes = incident.impactStart.timeIntervalSince(change.occurredAt) / 60
        if minutes >= 0 {
            add(
                "time", 1 / (1 + minutes / settings.timeHalfLifeMinutes), weights.time,
                "\(Self.duration(minutes * 60)) before impact start")
        } else {
            add("time", 0.5, weights.time, "\(Self.duration(-minutes * 60)) after impact start (within the clock-skew allowance)")
        }

        let relation = catalog.relation(of: change.service, to: incident.services)
        add("service", relation.score, weights.service, relation.reason)

        let changeTokens = Self.tokens(in: [change.summary, change.version ?? "", change.metadata ?? ""].joined(separator: " "))
        let serviceWords = Set(([change.service] + incident.services).map { $0.lowercased() })
        let distinctive = changeTokens.distinctive.intersection(incidentTokens.distinctive).subtracting(serviceWords)
        let words = changeTokens.words.intersection(incidentTokens.words).subtracting(serviceWords)
        if let token = distinctive.sorted().first {
            add("content", 1, weights.content, "the incident mentions \(token)")
        } else if let word = words.sorted().first {
            add("content", 0.5, weights.content, "the incident and the change both mention \"\(word)\"")
        } else {
            add("content", 0, weights.content, "nothing specific to this change is mentioned in the incident")
        }

        let (prior, kindReason) = Self.prior(of: change.kind)
        add("kind", prior, weights.kind, kindReason)

        var score = factors.reduce(0) { $0 + $1.points }
        var demotion: String?
        if change.kind != .rollback,
            let rollback = among.first(where: {
                $0.kind == .rollback && $0.service == change.service && $0.occurredAt > change.occurredAt
                    && $0.occurredAt <= incident.impactStart
            })
        {
            score *= settings.rollbackDemotion
            demotion =
                "rolled back \(Self.duration(rollback.occurredAt.timeIntervalSince(change.occurredAt))) later "
                + "(\(rollback.summary)), before impact started"
        }
        return Candidate(change: change, score: score, confidence: 0, band: .timelineOnly, factors: factors, demotion: demotion)
    }

    static func prior(of kind: ChangeKind) -> (Double, String) {
        switch kind {
        case .deploy: (1.0, "deploys are the most common cause of incidents")
        case .config: (0.9, "configuration changes often cause incidents")
        case .featureFlag: (0.9, "flag flips change behaviour instantly")
        case .infra: (0.8, "infrastructure changes can cause incidents")
        case .rollback: (0.3, "rollbacks usually remove a cause rather than add one")
        case .other: (0.5, "an unclassified change")
        }
    }

    /// Words and distinctive tokens (flag keys, config keys, versions: anything with `_`, `.`, `-`, `/` or a
    /// digit) of a text, lowercased.
    struct Tokens {
        var words: Set<String> = []
        var distinctive: Set<String> = []
    }

    static func tokens(in text: String) -> Tokens {
        var tokens = Tokens()
        for raw in text.lowercased().split(whereSeparator: { $0.isWhitespace || ",;:()[]{}\"'`=!?<>|".contains($0) }) {
            let token = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".-/_"))
            guard token.count >= 3 else { continue }
            if token.contains(where: { "_.-/".contains($0) || $0.isNumber }) {
                tokens.distinctive.insert(token)
                if token.hasPrefix("v"), token.dropFirst().first?.isNumber == true {
                    tokens.distinctive.insert(String(token.dropFirst()))
                }
            } else if token.count >= 5, !stopWords.contains(token) {
                tokens.words.insert(token)
            }
        }
        return tokens
    }

    private static let stopWords: Set<String> = [
        "about", "after", "alert", "being", "before", "customers", "error", "errors", "failed", "fired", "increase",
        "issue", "issues", "latency", "service", "services", "their", "there", "these", "those", "where", "which",
        "while", "with", "would", "reporting", "update", "updated", "change", "changed", "deploy", "deployed",
        "release", "production", "staging",
    ]

    /// `6 min`, `3 h 10 min`.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
    }
}

extension Duration {
    /// The duration in seconds, for `Date` arithmetic.
    public var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
