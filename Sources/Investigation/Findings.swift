import Foundation
import WebhookIn

/// What an investigation concluded, in a form both people (Markdown) and machines (JSON) read.
public struct Findings: Sendable, Codable, Equatable {
    public struct Cause: Sendable, Codable, Equatable {
        public var rank: Int
        public var change: Change
        public var score: Double
        public var confidence: Double
        public var band: Correlator.Band
        public var factors: [Correlator.Factor]
        public var demotion: String?
        /// Other records of the same event, sharing this cause's confidence.
        public var related: [Change]?
    }

    public struct Action: Sendable, Codable, Equatable {
        /// The cause's rank it addresses, or nil for a general action.
        public var cause: Int?
        public var text: String
    }

    public struct TimelineEntry: Sendable, Codable, Equatable {
        public var at: Date
        public var text: String
    }

    public var incident: IncidentContext
    public var summary: String
    public var priority: Priority
    /// Up to three, best first; only candidates above "timeline only".
    public var suspectedCauses: [Cause]
    public var noChangeConfidence: Double
    public var evidence: [String]
    public var recommendedActions: [Action]
    public var timeline: [TimelineEntry]
    /// What was searched: the window and the source.
    public var searched: String
    public var consideredCount: Int
    public var excluded: [Correlator.Exclusion]
    /// What the metrics showed, when they were queried.
    public var metrics: MetricEvidence?

    enum CodingKeys: String, CodingKey {
        case incident, summary, priority, evidence, timeline, searched, excluded, metrics
        case suspectedCauses = "suspected_causes"
        case noChangeConfidence = "no_change_confidence"
        case recommendedActions = "recommended_actions"
        case consideredCount = "considered_count"
    }

    /// The evidence lines that come from metrics (onsets, failed queries): what Slack and incident.io show of them.
    public var metricEvidence: [String] { evidence.filter { $0.hasPrefix("Metric") } }

    /// The top cause, if it reached the "suspected cause" band.
    public var rootCause: Cause? {
        suspectedCauses.first.flatMap { $0.band == .suspected ? $0 : nil }
    }
}

extension Findings {
    /// Builds findings from a correlation. `previousVersions` maps a change id to the version its service ran
    /// before it, for rollback advice.
    /// - Parameter unreported: affected services and dependencies no change source has reported for in 30 days.
    public init(
        incident: IncidentContext, result: Correlator.Result, previousVersions: [Int64: String] = [:],
        metrics: MetricEvidence? = nil, unreported: [String] = []
    ) {
        self.metrics = metrics
        self.incident = incident
        priority = incident.priority
        consideredCount = result.candidates.count
        excluded = result.excluded
        noChangeConfidence = result.noChangeConfidence
        let scope = incident.services.isEmpty ? "any service" : incident.services.joined(separator: ", ")
        searched =
            "change log, \(scope) and their dependencies, \(Self.time(result.windowStart)) – \(Self.time(result.windowEnd)) UTC"

        suspectedCauses = result.candidates.prefix(3).enumerated()
            .filter { $0.element.band != .timelineOnly }
            .map { index, candidate in
                Cause(
                    rank: index + 1, change: candidate.change, score: candidate.score, confidence: candidate.confidence,
                    band: candidate.band, factors: candidate.factors, demotion: candidate.demotion,
                    related: candidate.related)
            }

        let name = incident.reference ?? incident.incidentID
        let affected = incident.services.isEmpty ? "no known service" : incident.services.joined(separator: ", ")
        if let top = suspectedCauses.first {
            summary =
                "\(name) (\(priority.rawValue), \(affected)): the \(top.band == .suspected ? "most likely" : top.band.rawValue) cause is "
                + "\(Self.describe(top.change)) at \(Self.time(top.change.occurredAt)) UTC, "
                + "\(Self.percent(top.confidence)) confidence (\(top.band.rawValue))."
        } else {
            summary =
                "\(name) (\(priority.rawValue), \(affected)): no recorded change to \(affected == "no known service" ? "any service" : affected + " or its dependencies") "
                + "between \(Self.time(result.windowStart)) and \(Self.time(result.windowEnd)) UTC stands out "
                + "(\(result.candidates.count) considered; \(Self.percent(result.noChangeConfidence)) that the cause is not a logged change)."
        }

        var evidence = [
            "Impact start \(Self.time(incident.impactStart)) UTC, from the \(incident.impactStartSource).",
            "Affected services: \(affected) (from \(incident.servicesSource)).",
            "\(result.candidates.count) \(result.candidates.count == 1 ? "change" : "changes") scored, \(result.excluded.count) set aside; searched: \(searched).",
        ]
        for service in unreported {
            evidence.append("Not visible: no change source has reported for \(service) in 30 days; a change there would not be in the log.")
        }
        for cause in suspectedCauses {
            let factors = cause.factors.map { "\($0.name) \(Int($0.points.rounded()))/\(Int($0.weight)) (\($0.reason))" }
            evidence.append(
                "#\(cause.rank) \(Self.describe(cause.change)): " + factors.joined(separator: "; ")
                    + (cause.demotion.map { "; demoted: \($0)" } ?? "")
                    + (cause.related.map { records in
                        "; the same event as " + records.map { "\(Self.describe($0)) at \(Self.time($0.occurredAt))" }
                            .joined(separator: ", ")
                    } ?? ""))
        }
        if let metrics {
            let top = suspectedCauses.first
            for onset in metrics.onsets.prefix(5) {
                var line = "Metric: \(onset.description)"
                if let top, top.change.occurredAt <= onset.at {
                    line += ", \(Correlator.duration(onset.at.timeIntervalSince(top.change.occurredAt))) after \(Self.describe(top.change))"
                }
                evidence.append(line + ".")
            }
            if metrics.onsets.isEmpty, metrics.failures.isEmpty, !metrics.services.isEmpty {
                evidence.append("Metrics: no onset in \(metrics.services.joined(separator: ", ")) (flat, empty or noisy series).")
            }
            for failure in metrics.failures { evidence.append("Metrics unavailable: \(failure).") }
        }
        for reason in result.noChangeReasons ?? [] {
            evidence.append("Not a logged change: \(reason).")
        }
        self.evidence = evidence

        var actions: [Action] = []
        for cause in suspectedCauses {
            actions.append(
                Action(cause: cause.rank, text: Self.action(for: cause, incident: incident, previousVersions: previousVersions)))
        }
        if suspectedCauses.isEmpty {
            actions.append(
                Action(
                    cause: nil,
                    text:
                        "Widen the window (`correlation.lookback_minutes`, then `inquest investigate`) or look for changes that are not logged: manual deploys, provider incidents, traffic."
                ))
            if !incident.services.isEmpty {
                actions.append(Action(cause: nil, text: "Check the health of \(affected)'s dependencies."))
            }
        }
        recommendedActions = actions

        var timeline = result.candidates.map { candidate in
            TimelineEntry(
                at: candidate.change.occurredAt,
                text:
                    "\(Self.describe(candidate.change)): score \(Int(candidate.score.rounded())), \(Self.percent(candidate.confidence))"
            )
        }
        timeline.append(TimelineEntry(at: incident.impactStart, text: "Impact started (\(incident.impactStartSource))"))
        for onset in metrics?.onsets.prefix(5) ?? [] {
            timeline.append(TimelineEntry(at: onset.at, text: "Onset: \(onset.description)"))
        }
        if let created = incident.createdAt, created != incident.impactStart {
            timeline.append(TimelineEntry(at: created, text: "Incident \(name) declared"))
        }
        self.timeline = timeline.sorted { $0.at < $1.at }
    }

    private static func action(for cause: Cause, incident: IncidentContext, previousVersions: [Int64: String]) -> String {
        let change = cause.change
        if cause.demotion != nil {
            return "Confirm the rollback of \(change.service) completed everywhere; \(cause.demotion!)."
        }
        // Say how a change to another service reaches the incident, when the catalog knows a dependency path.
        let dependencyNote =
            cause.factors.first { $0.name == "service" && $0.reason.contains(" depends on ") }.map { " (\($0.reason))" } ?? ""
        switch change.kind {
        case .deploy:
            let previous = change.id.flatMap { previousVersions[$0] }
            let target = previous.map { "to version \($0)" } ?? "to the previous version"
            return "Roll back the \(change.service) deploy \(change.version ?? "") \(target)\(dependencyNote)."
                .replacingOccurrences(of: "  ", with: " ")
        case .config:
            return "Revert the \(change.service) config change: \(change.summary)\(dependencyNote)."
        case .featureFlag:
            let flag = flagKey(of: change) ?? change.summary
            return "Disable flag \(flag)\(dependencyNote)."
        case .infra:
            return "Check and, if needed, revert the \(change.service) infrastructure change: \(change.summary)."
        case .rollback:
            return "Check whether the \(change.service) rollback itself (\(change.summary)) is the problem."
        case .script, .operator:
            return "Stop and reverse the \(change.service) operation if it is still running: \(change.summary)."
        case .maintenance:
            return "Pause the \(change.service) maintenance and restore what it took away: \(change.summary)."
        case .automation:
            return "Halt the \(change.service) automation and undo its last action: \(change.summary)."
        case .other:
            return "Review the \(change.service) change: \(change.summary)."
        }
    }

    private static func flagKey(of change: Change) -> String? {
        if let data = change.metadata?.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            for key in ["flag", "flag_key", "key"] { if let value = object[key] as? String { return value } }
        }
        return Correlator.tokens(in: change.summary).distinctive.sorted().first
    }

    /// `payment-gateway deploy v2.1.0 (Deploy payment-gateway v2.1.0)`: how every message names a change.
    /// A change as a one-line label. Its summary is cut to ``summaryInLabel`` characters: senders put whole
    /// release notes there, and the label goes into titles, Slack blocks and timeline items.
    public static func describe(_ change: Change) -> String {
        let kind = change.kind == .featureFlag ? "flag change" : change.kind.rawValue
        let summary =
            change.summary.count > summaryInLabel ? change.summary.prefix(summaryInLabel - 1) + "…" : change.summary
        return "\(change.service) \(kind)" + (change.version.map { " \($0)" } ?? "") + " (\(summary))"
    }

    public static let summaryInLabel = 160

    /// `2026-11-20 14:30:00`, UTC.
    public static func time(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle().year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)
        ).replacingOccurrences(of: "Z", with: "")
    }

    /// `78 %`.
    public static func percent(_ value: Double) -> String {
        "\(Int((value * 100).rounded())) %"
    }
}
