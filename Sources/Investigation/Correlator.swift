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

    /// One feature's contribution: its value (0…1; −1…1 for `scope` and `metrics`, which can take points away), its
    /// weight in points, and why it has that value.
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
        /// Other records of the same event (the canary of this release, earlier stages of this rollout): they share
        /// this candidate's probability instead of splitting it.
        public var related: [Change]?
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
        /// Why "not a logged change" was raised: the incident's own words pointing elsewhere.
        public var noChangeReasons: [String]?
        public var windowStart: Date
        public var windowEnd: Date
    }

    public let settings: CorrelationSettings
    public let catalog: ServiceCatalog

    /// The catalog's shared-infrastructure services, worked out once: every investigation asks for each of them.
    private let shared: Set<String>
    private let sharedNames: CorrelationVocabulary.SharedNames

    public init(settings: CorrelationSettings, catalog: ServiceCatalog) {
        self.settings = settings
        self.catalog = catalog
        let names = CorrelationVocabulary.SharedNames(settings.vocabulary)
        sharedNames = names
        shared = Set(catalog.services.values.filter { $0.shared ?? names.match($0.name) }.map(\.name))
    }

    /// The shared-infrastructure services of the catalog.
    public var sharedServices: Set<String> { shared }

    /// Whether a service is shared infrastructure: marked so in the catalog (`services.<name>.shared`), or named
    /// like it (`dns`, `bgp`, `consul`, `k8s`, …: the vocabulary's `shared_infrastructure`).
    public func isShared(_ service: String) -> Bool {
        guard catalog.services[service] == nil else { return shared.contains(service) }
        return sharedNames.match(service)
    }

    public func window(for incident: IncidentContext) -> ClosedRange<Date> {
        incident.impactStart.addingTimeInterval(
            -settings.lookback.seconds)...incident.impactStart
            .addingTimeInterval(settings.skew.seconds)
    }

    /// - Parameter evidence: metric onsets, when metrics were queried; they add the `metrics` factor.
    public func correlate(_ incident: IncidentContext, changes: [Change], evidence: MetricEvidence? = nil) -> Result {
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

        let involved = Set(incident.services + catalog.services(mentionedIn: incident.text))
        var reach = ChangeReach(incidentText: incident.text, serviceCount: involved.count)
        if let places = evidence?.places(of: incident.services) { reach.adopt(metricPlaces: places) }
        // Places are the scope factor's evidence; counted as content too, a change to one affected region would
        // gain twice for naming it.
        var tokens = Self.tokens(in: incident.text)
        let placeTokens = tokens.distinctive.intersection(reach.places)
        tokens.distinctive.subtract(placeTokens)
        tokens.words.formUnion(placeTokens)
        let texts = eligible.map { Self.text(of: $0).lowercased() }
        let changeTokens = texts.map(Self.tokens(inLowercased:))
        let frequency = DocumentFrequency(changeTokens)
        let incidentText = incident.text.lowercased()
        // A service the catalog does not place (no edges, not marked either way) is shared infrastructure when its
        // change says it touches DNS, the network, certificates, …: what the catalog cannot say, its record does.
        let sharedServices = Set(eligible.map(\.service)).filter(isShared).union(
            eligible.indices.filter {
                let service = eligible[$0].service
                return catalog.services[service]?.shared == nil && catalog.isolated(service)
                    && sharedNames.match(inLowercased: eligible[$0].summary.lowercased())
            }.map { eligible[$0].service })
        let history = ServiceHistory(eligible, impactStart: incident.impactStart)
        // Per service, not per change: most candidates share a service with others.
        let relations = Dictionary(
            uniqueKeysWithValues: Set(eligible.map(\.service)).map { service in
                (service, relation(of: service, incident: incident, involved: involved, shared: sharedServices.contains(service)))
            })
        let symptoms = settings.vocabulary.symptoms(incident: incidentText)
        let scored = eligible.indices.map { index in
            score(
                eligible[index], text: texts[index], tokens: changeTokens[index], shared: sharedServices.contains(eligible[index].service),
                relation: relations[eligible[index].service]!, incident: incident, symptoms: symptoms, incidentTokens: tokens,
                reach: reach, frequency: frequency, evidence: evidence, history: history)
        }
        var candidates = Self.mergingRecordsOfOneEvent(scored)

        let external = settings.vocabulary.externalCauses(in: incident.text)
        var noChangeReasons = external.prefix(2).map { "the incident says \"\($0)\": a cause outside the change log" }
        var noChangeScore = settings.noChangeScore + Double(noChangeReasons.count) * settings.externalCausePoints
        if let onset = evidence?.onsets.first,
            !eligible.contains(where: { (0...settings.metricsLeadMinutes * 60).contains(onset.at.timeIntervalSince($0.occurredAt)) })
        {
            noChangeScore += settings.externalCausePoints
            noChangeReasons.append(
                "no logged change in the \(Int(settings.metricsLeadMinutes)) min before the first onset (\(onset.description))")
        }
        let temperature = settings.temperature
        let noChange = exp(noChangeScore / temperature)
        let total = candidates.reduce(noChange) { $0 + exp($1.score / temperature) }
        let cap =
            incident.services.isEmpty
            ? min(settings.maximumConfidence, settings.unknownServiceConfidenceCap) : settings.maximumConfidence
        for index in candidates.indices {
            let confidence = min(cap, exp(candidates[index].score / temperature) / total)
            candidates[index].confidence = confidence
            candidates[index].band = Band(confidence: confidence)
        }
        candidates.sort { ($0.score, $0.change.occurredAt) > ($1.score, $1.change.occurredAt) }
        return Result(
            candidates: candidates, excluded: excluded, noChangeConfidence: noChange / total,
            noChangeReasons: noChangeReasons.isEmpty ? nil : noChangeReasons,
            windowStart: window.lowerBound, windowEnd: window.upperBound)
    }

    /// Records of one event — the same service and version, or the same summary but for its stage or percentage —
    /// become one candidate: the best-scoring record, with the others as `related`.
    static func mergingRecordsOfOneEvent(_ candidates: [Candidate]) -> [Candidate] {
        var groups: [String: [Candidate]] = [:]
        var order: [String] = []
        for candidate in candidates {
            let key = eventKey(candidate.change)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(candidate)
        }
        return order.compactMap { key in
            guard let members = groups[key],
                let top = members.indices.max(by: {
                    (members[$0].score, members[$0].change.occurredAt) < (members[$1].score, members[$1].change.occurredAt)
                })
            else { return nil }
            var best = members[top]
            let others = members.indices.filter { $0 != top }.map { members[$0].change }
            best.related = others.isEmpty ? nil : others.sorted { $0.occurredAt < $1.occurredAt }
            return best
        }
    }

    static func eventKey(_ change: Change) -> String {
        if let version = change.version, !version.isEmpty, change.kind != .rollback {
            return "\(change.service)|\(change.kind.rawValue)|v:\(version.lowercased())"
        }
        // Without a version, only summaries that name a stage ("canary", "25%", "stage 2/4") are records of a
        // rollout; two changes that merely read alike stay apart.
        let words = change.summary.lowercased()
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "." && $0 != "-" && $0 != "_" && $0 != "%" })
            .map(String.init)
        let staged = words.contains { stageMarkers.contains($0) || $0.hasSuffix("%") }
        guard staged else { return "\(change.source)|\(change.externalID)" }
        let stem = words.filter { word in !stageWords.contains(word) && !word.allSatisfy(\.isNumber) && !word.hasSuffix("%") }
            .joined(separator: " ")
        return "\(change.service)|\(change.kind.rawValue)|s:\(stem)"
    }

    private static let stageMarkers: Set<String> = ["canary", "stage", "wave", "step", "batch", "ring", "phase", "promote"]

    private static let stageWords: Set<String> = [
        "canary", "rollout", "roll", "out", "to", "stage", "wave", "batch", "step", "ring", "phase", "of", "promote",
        "promotion", "full", "the", "percent", "production", "prod", "all", "hosts", "fleet", "remaining",
    ]

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

    /// - Parameters:
    ///   - text: the change's ``text(of:)``, lowercased; `tokens` its tokens.
    ///   - shared: whether the change's service is shared infrastructure; `relation` how it relates to the incident.
    ///   - symptoms: the incident's symptom families (``CorrelationVocabulary/symptoms(incident:)``).
    private func score(
        _ change: Change, text: String, tokens changeTokens: Tokens, shared: Bool, relation: ServiceCatalog.Relation,
        incident: IncidentContext, symptoms: [(seen: String, causes: [String])], incidentTokens: Tokens,
        reach: ChangeReach, frequency: DocumentFrequency, evidence: MetricEvidence?, history: ServiceHistory
    ) -> Candidate {
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
            add(
                "time", settings.afterImpactTimeValue, weights.time,
                "\(Self.duration(-minutes * 60)) after impact start: more likely a response than the cause")
        }

        add("service", relation.score, weights.service, relation.reason)

        let (content, contentReason) = self.content(
            of: change, text: text, tokens: changeTokens, incident: incident, symptoms: symptoms,
            incidentTokens: incidentTokens, frequency: frequency)
        add("content", content, weights.content, contentReason)

        let (prior, kindReason) = Self.prior(of: change, vocabulary: settings.vocabulary)
        add("kind", prior, weights.kind, kindReason)

        var (scope, scopeReason) = Self.scope(of: ChangeReach(change: change), incident: reach)
        if shared, reach.breadth == .full, scope >= 0, scope < 0.5 {
            (scope, scopeReason) = (0.5, "shared infrastructure changed before a broad impact (\(reach.evidence ?? "widespread"))")
        }
        factors.append(
            Factor(name: "scope", value: scope, weight: settings.scopeWeight, points: scope * settings.scopeWeight, reason: scopeReason))

        if let evidence, !evidence.onsets.isEmpty {
            let (value, reason) = metrics(of: change, incident: incident, evidence: evidence)
            factors.append(
                Factor(name: "metrics", value: value, weight: settings.metricsWeight, points: value * settings.metricsWeight, reason: reason))
        }

        if let rollback = history.responderRollback(of: change) {
            factors.append(
                Factor(
                    name: "response", value: 1, weight: settings.responderRollbackPoints,
                    points: settings.responderRollbackPoints,
                    reason:
                        "responders rolled \(change.service) back \(Self.duration(rollback.occurredAt.timeIntervalSince(incident.impactStart))) "
                        + "after impact started (\(rollback.summary)): they suspected this change"))
        }

        var score = max(0, factors.reduce(0) { $0 + $1.points })
        var demotion: String?
        if change.kind != .rollback,
            let rollback = history.rollback(reverting: change)
        {
            score *= settings.rollbackDemotion
            demotion =
                "rolled back \(Self.duration(rollback.occurredAt.timeIntervalSince(change.occurredAt))) later "
                + "(\(rollback.summary)), before impact started"
        } else if incident.impactStartSource == "created_at", minutes < 30,
            let word = CorrelationVocabulary.firstWord(of: settings.vocabulary.responseWords, in: change.summary)
        {
            // Without an "Impact started" time, impact start is the declaration, and responders act before declaring.
            score *= settings.responseDemotion
            demotion = "reads like a response to the incident (\"\(word)\"), logged shortly before it was declared"
        }
        return Candidate(change: change, score: score, confidence: 0, band: .timelineOnly, factors: factors, demotion: demotion)
    }

    /// The rollbacks and the last change before impact of each candidate's service, worked out once: asked of every
    /// candidate, a scan of all the others each time made scoring quadratic in the window's size.
    struct ServiceHistory {
        /// Each service's rollbacks, most recent first.
        private var rollbacks: [String: [Change]] = [:]
        /// Each service's last change (other than a rollback) at or before impact start.
        private var lastBeforeImpact: [String: Date] = [:]
        private let impactStart: Date

        init(_ changes: [Change], impactStart: Date) {
            self.impactStart = impactStart
            for change in changes.sorted(by: { $0.occurredAt > $1.occurredAt }) {
                if change.kind == .rollback {
                    rollbacks[change.service, default: []].append(change)
                } else if change.occurredAt <= impactStart, lastBeforeImpact[change.service] == nil {
                    lastBeforeImpact[change.service] = change.occurredAt
                }
            }
        }

        /// The latest rollback of the change's service after it and before impact start: it already reverted it.
        func rollback(reverting change: Change) -> Change? {
            rollbacks[change.service]?.first { $0.occurredAt > change.occurredAt && $0.occurredAt <= impactStart }
        }

        /// A rollback of the change's service after impact start, when the change is that service's last before
        /// impact: the responders' own diagnosis, and more often right than not.
        func responderRollback(of change: Change) -> Change? {
            guard change.kind != .rollback, change.occurredAt <= impactStart,
                lastBeforeImpact[change.service] == change.occurredAt
            else { return nil }
            return rollbacks[change.service]?.first { $0.occurredAt > impactStart }
        }
    }

    /// What the change and the incident have in common, weighted by how rare it is: a token most of the recent
    /// changes carry (`us-east-1`, `production`) is little evidence. A symptom the change's words could produce
    /// counts too (a TLS handshake failure and a certificate rotation).
    private func content(
        of change: Change, text changeText: String, tokens changeTokens: Tokens, incident: IncidentContext,
        symptoms: [(seen: String, causes: [String])], incidentTokens: Tokens, frequency: DocumentFrequency
    ) -> (Double, String) {
        // Naming the service is the service factor's evidence, under its name or an alias ("1.1.1.1").
        let named = [change.service] + incident.services
        let serviceWords = Set((named + named.flatMap { catalog.services[$0]?.aliases ?? [] }).map { $0.lowercased() })
        var best: (value: Double, reason: String) = (0, "nothing specific to this change is mentioned in the incident")
        let shared =
            changeTokens.distinctive.intersection(incidentTokens.distinctive).subtracting(serviceWords).map { ($0, 1.0) }
            + changeTokens.words.union(changeTokens.distinctive).intersection(incidentTokens.words).subtracting(serviceWords).map { ($0, 0.25) }
        for (token, strength) in shared.sorted(by: { $0.0 < $1.0 }) {
            let rarity = frequency.rarity(of: token)
            let value = strength * rarity
            if value > best.value {
                let seen = "in \(frequency.count(of: token)) of \(frequency.documents) changes considered"
                best = (
                    value,
                    rarity < 0.5
                        ? "\"\(token)\" is shared with the incident but appears \(seen): little evidence"
                        : "the incident mentions \"\(token)\" (\(seen))"
                )
            }
        }
        if let (symptom, cause) = CorrelationVocabulary.symptom(symptoms, change: changeText),
            settings.symptomValue > best.value
        {
            best = (settings.symptomValue, "the incident's \"\(symptom)\" is what a \"\(cause)\" change can cause")
        }
        return best
    }

    /// Rewards a change whose reach matches the impact's, and demotes a narrow change for a broad impact or a change
    /// in other places than the incident's.
    static func scope(of change: ChangeReach, incident: ChangeReach) -> (Double, String) {
        if change.breadth == .inert {
            return (-1, "\(change.evidence ?? "inert"): by its own words the change altered no live behaviour")
        }
        if !incident.places.isEmpty, !change.places.isEmpty {
            if incident.places.isDisjoint(with: change.places) {
                return (
                    -1,
                    "the change reached \(change.places.sorted().joined(separator: ", ")); the incident is in "
                        + incident.places.sorted().joined(separator: ", ")
                )
            }
            let common = incident.places.intersection(change.places)
            let reached = common.sorted().joined(separator: ", ")
            if common.count < incident.places.count, incident.places.count >= 2 {
                return (
                    0.1,
                    "the change reached \(reached): \(common.count) of the \(incident.places.count) places affected "
                        + "(\(incident.places.sorted().joined(separator: ", ")))"
                )
            }
            return (0.5, "the change reached \(reached), where the incident is")
        }
        switch (change.breadth, incident.breadth) {
        case (.narrow, .full):
            return (-1, "\(change.evidence ?? "a narrow change"); the impact is broad (\(incident.evidence ?? "widespread"))")
        case (.full, .full):
            return (0.5, "\(change.evidence ?? "reached everything") before a broad impact (\(incident.evidence ?? "widespread"))")
        case (.narrow, .narrow):
            return (0.2, "\(change.evidence ?? "a narrow change"), and the impact is partial (\(incident.evidence ?? "part of the system"))")
        case (.narrow, _):
            return (0, "\(change.evidence ?? "a narrow change"): it reached only part of the system; the impact's reach is unknown")
        case (.full, _):
            return (0.2, "\(change.evidence ?? "reached everything")")
        default:
            return (0, "no scope is recorded for the change")
        }
    }

    /// The text content matching reads: summary, version and metadata.
    static func text(of change: Change) -> String {
        [change.summary, change.version ?? "", change.metadata ?? ""].joined(separator: " ")
    }

    /// What the metric onsets say of a change. The first onset of all the services queried (the incident's and its
    /// leading suspects') is when the trouble began: a change shortly before it gains, the closer the better, and
    /// more when its own service is the one that moved first; a change after it cannot have started it.
    private func metrics(of change: Change, incident: IncidentContext, evidence: MetricEvidence) -> (Double, String) {
        guard let first = evidence.onsets.first else { return (0, "no metric moved") }
        let lead = first.at.timeIntervalSince(change.occurredAt)
        if lead < -60 {
            return (-1, "\(Self.duration(-lead)) after the onset (\(first.description)): it cannot have started it")
        }
        let window = settings.metricsLeadMinutes * 60
        guard lead <= window else {
            return (-0.25, "\(Self.duration(lead)) before the onset (\(first.description)): too early to explain it")
        }
        // Being just before the onset is consistent with causing it, but so is every change near impact: it earns
        // nothing by itself, while leading it by longer costs a little, up to what "too early" costs at the window's
        // edge — the closer the better, without lifting every near change above "not a logged change". What metrics
        // add most is who moved first, and what came too late or too early.
        var value = -0.25 * max(0, lead) / window
        var reason = "\(Self.duration(max(0, lead))) before \(first.description): consistent"
        if first.service == change.service, !incident.services.contains(change.service),
            let affected = evidence.earliest(of: incident.services), affected.at.timeIntervalSince(first.at) >= 60
        {
            value += 0.5
            reason += "; \(change.service) moved \(Self.duration(affected.at.timeIntervalSince(first.at))) before \(affected.service) did"
        }
        return (value, reason)
    }

    /// How a changed service relates to the incident. Shared infrastructure reaches every service. When the
    /// incident involves several services, a change that all of them depend on explains it better than a change
    /// to one of them.
    private func relation(of changed: String, incident: IncidentContext, involved: Set<String>, shared: Bool)
        -> ServiceCatalog.Relation
    {
        var relation = catalog.relation(of: changed, to: incident.services)
        if relation.score < settings.sharedInfrastructureRelation, shared {
            relation = .init(
                score: settings.sharedInfrastructureRelation,
                reason: "\(changed) is shared infrastructure: its changes reach every service")
        }
        guard involved.count >= 2 else { return relation }
        let covered = involved.filter { $0 == changed || catalog.dependsTransitively($0, on: changed) }
        let names = involved.sorted().joined(separator: ", ")
        if covered.count == involved.count, !involved.contains(changed) {
            return .init(score: max(relation.score, 0.9), reason: "\(names) all depend on \(changed)")
        }
        if involved.contains(changed), covered.count < involved.count {
            return .init(
                score: relation.score * (0.6 + 0.4 * Double(covered.count) / Double(involved.count)),
                reason: "\(relation.reason), but it explains only \(covered.count) of the \(involved.count) services involved (\(names))")
        }
        return relation
    }

    /// The kind's prior, lowered for changes whose own words say they are routine (a recurring job) or a reaction
    /// to load (an autoscaler).
    static func prior(of change: Change, vocabulary: CorrelationVocabulary) -> (Double, String) {
        let text = change.summary
        if change.kind == .automation || change.kind == .other,
            let word = CorrelationVocabulary.firstWord(of: vocabulary.reactiveWords, in: text)
        {
            return (0.4, "autoscaling (\"\(word)\") reacts to load: more often a consequence than a cause")
        }
        if change.kind == .automation || change.kind == .other || change.kind == .script,
            let word = CorrelationVocabulary.firstWord(of: vocabulary.recurringWords, in: text)
        {
            return (0.5, "a recurring job (\"\(word)\"): each run is one of many that caused nothing")
        }
        return prior(of: change.kind)
    }

    static func prior(of kind: ChangeKind) -> (Double, String) {
        switch kind {
        case .deploy: (1.0, "deploys are the most common cause of incidents")
        case .config: (0.95, "configuration changes often cause incidents, and take effect at once")
        case .featureFlag: (0.9, "flag flips change behaviour instantly")
        case .script: (0.9, "scripts act on production directly, without a rollout to catch mistakes")
        case .operator: (0.9, "operator commands act on production directly; many large outages began with one")
        case .infra: (0.85, "infrastructure changes can cause incidents")
        case .maintenance: (0.85, "maintenance removes redundancy while it runs")
        case .automation: (0.8, "automated actions (scaling, enforcement) can remove capacity without a person watching")
        case .rollback: (0.3, "rollbacks usually remove a cause rather than add one")
        case .other: (0.6, "an unclassified change")
        }
    }

    /// Words and distinctive tokens (flag keys, config keys, versions: anything with `_`, `.`, `-`, `/` or a
    /// digit) of a text, lowercased.
    struct Tokens {
        var words: Set<String> = []
        var distinctive: Set<String> = []
    }

    static func tokens(in text: String) -> Tokens {
        tokens(inLowercased: text.lowercased())
    }

    /// Splits on whitespace and punctuation and trims `.-/_` from each end, byte by byte: every candidate's text
    /// goes through here, and Character-wise splitting was a large part of an investigation's time.
    static func tokens(inLowercased text: String) -> Tokens {
        var tokens = Tokens()
        for raw in text.utf8.split(whereSeparator: isSeparator) {
            guard let first = raw.firstIndex(where: { !isTrimmed($0) }), let last = raw.lastIndex(where: { !isTrimmed($0) })
            else { continue }
            let bytes = raw[first...last]
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            let token = String(decoding: bytes, as: UTF8.self)
            let length = ascii ? bytes.count : token.count
            guard length >= 3 else { continue }
            if bytes.contains(where: { isTrimmed($0) || ($0 >= 0x30 && $0 <= 0x39) }) {
                tokens.distinctive.insert(token)
                if bytes.first == UInt8(ascii: "v"), let second = bytes.dropFirst().first, second >= 0x30, second <= 0x39 {
                    tokens.distinctive.insert(String(token.dropFirst()))
                }
            } else if length >= 5, !stopWords.contains(token) {
                tokens.words.insert(token)
            }
        }
        return tokens
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09...0x0D, 0x20: true
        case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"),
            UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            true
        default: false
        }
    }

    private static func isTrimmed(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_")
    }

    private static let stopWords: Set<String> = [
        "about", "after", "alert", "being", "before", "customers", "error", "errors", "failed", "fired", "increase",
        "issue", "issues", "latency", "service", "services", "their", "there", "these", "those", "where", "which",
        "while", "with", "would", "reporting", "update", "updated", "change", "changed", "deploy", "deployed",
        "release", "production", "staging", "users", "customers", "requests", "elevated", "degraded", "failing",
    ]

    /// `6 min`, `3 h 10 min`.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
    }
}
