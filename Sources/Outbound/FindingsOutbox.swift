import Foundation
import GRDB
import Investigation
import WebhookIn

/// Hands finished findings to the outbox, in the transaction that completes the investigation: a Slack post in
/// the incident's channel, and the incident.io write-back.
public struct FindingsOutbox: FindingsSink {
    /// How findings go back to incident.io.
    public enum WriteBack: Sendable, Equatable {
        /// Timeline items of these types.
        case timeline([TimelineEntryType])
        /// One incident update (also posted to the incident's Slack channel by incident.io).
        case update
    }

    public enum TimelineEntryType: String, Sendable, CaseIterable {
        case investigationStart = "investigation_start"
        /// Only when the top cause reached the "suspected cause" band.
        case rootCauseFound = "root_cause_found"
        case investigationComplete = "investigation_complete"
    }

    private let slack: SlackFindingsTemplate?
    private let writeBack: WriteBack?
    private let links: SignedLinks

    /// - Parameters:
    ///   - slack: the template, or nil when findings are not posted to Slack.
    ///   - writeBack: nil when nothing is written back to incident.io.
    public init(slack: SlackFindingsTemplate?, writeBack: WriteBack?, links: SignedLinks) {
        self.slack = slack
        self.writeBack = writeBack
        self.links = links
    }

    public func investigationFinished(
        id: Int64, incidentID: String, findings: Findings, startedAt: Date, finishedAt: Date, in db: Database
    ) throws {
        let page = links.url(for: id)
        if let slack {
            let channel =
                try String.fetchOne(db, sql: "SELECT slack_channel_id FROM incidents WHERE id = ?", arguments: [incidentID])
                ?? ""
            let message = try slack.render(findings, pageURL: page)
            try Outbox.enqueue(
                OutboxMessage(
                    provider: "slack", operation: "post", target: channel.isEmpty ? "(channel from incident.io)" : channel,
                    dedupKey: "findings-\(id)",
                    payload: SlackAPI.Post(
                        incidentID: incidentID, channel: channel, postKey: "findings:\(incidentID)", message: message),
                    at: finishedAt),
                in: db)
        }
        switch writeBack {
        case .timeline(let types):
            for type in types {
                guard let item = timelineItem(type, id: id, incidentID: incidentID, findings: findings, page: page,
                    startedAt: startedAt, finishedAt: finishedAt)
                else { continue }
                try Outbox.enqueue(
                    OutboxMessage(
                        provider: "incident_io", operation: "timeline_item", target: incidentID,
                        dedupKey: item.idempotencyKey, payload: item, at: finishedAt),
                    in: db)
            }
        case .update:
            let key = "inquest-investigation-\(id)-update"
            try Outbox.enqueue(
                OutboxMessage(
                    provider: "incident_io", operation: "incident_update", target: incidentID, dedupKey: key,
                    payload: IncidentIOAPI.IncidentUpdate(
                        incidentID: incidentID, idempotencyKey: key,
                        message: "Inquest: \(findings.summary)"
                            + (findings.metricEvidence.first.map { " \($0)" } ?? "") + " Details: \(page)",
                        pageURL: page),
                    at: finishedAt),
                in: db)
        case nil:
            break
        }
    }

    private func timelineItem(
        _ type: TimelineEntryType, id: Int64, incidentID: String, findings: Findings, page: String, startedAt: Date,
        finishedAt: Date
    ) -> IncidentIOAPI.TimelineItem? {
        let title: String
        let description: String
        let at: Date
        switch type {
        case .investigationStart:
            title = "Inquest started investigating"
            description = "Correlating recent changes: \(findings.searched)."
            at = startedAt
        case .rootCauseFound:
            guard let cause = findings.rootCause else { return nil }
            title = "Suspected cause: \(Findings.describe(cause.change))"
            description =
                "\(Findings.percent(cause.confidence)) confidence.\n\n"
                + cause.factors.map { "- \($0.name) +\(String(format: "%.1f", $0.points)): \($0.reason)" }
                .joined(separator: "\n")
                + "\n\n[Open the investigation](\(page))"
            at = finishedAt
        case .investigationComplete:
            title = "Inquest investigation complete"
            description =
                findings.summary + "\n\n"
                + (findings.metricEvidence.prefix(5).map { "- \($0)\n" }.joined())
                + findings.recommendedActions.map { "- \($0.text)" }.joined(separator: "\n")
                + "\n\n[Open the investigation](\(page))"
            at = finishedAt
        }
        return IncidentIOAPI.TimelineItem(
            incidentID: incidentID, idempotencyKey: "inquest-investigation-\(id)-\(type.rawValue)", title: title,
            timestamp: at.rfc3339, description: description, pageURL: page,
            attachOnFallback: type == .investigationComplete)
    }
}
