import Foundation
import GRDB

/// Where finished findings go next (Slack, incident.io), without Investigation knowing about either.
///
/// Called inside the transaction that marks the investigation done, so the hand-off (an outbox row) and the
/// completion commit together: a crash can neither lose the message nor send it for an unfinished investigation.
public protocol FindingsSink: Sendable {
    func investigationFinished(
        id: Int64, incidentID: String, findings: Findings, startedAt: Date, finishedAt: Date, in db: Database) throws
}
