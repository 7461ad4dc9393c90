import Foundation
import GRDB
import WebhookIn

/// The investigation job table: where WebhookIn queues work and the worker takes it.
public struct InvestigationStore: InvestigationQueue {
    public init() {}

    public func enqueue(_ request: InvestigationRequest, in db: Database) throws -> Int64 {
        // Cached: this runs once per accepted webhook delivery.
        try db.cachedStatement(
            sql: """
                INSERT INTO investigations (incident_id, priority, reason, status, queued_at, not_before)
                VALUES (?, ?, ?, 'queued', ?, ?)
                """
        ).execute(
            arguments: [
                request.incidentID, request.priority.rawValue, request.reason, request.queuedAt.unixTime,
                request.notBefore.unixTime,
            ])
        return db.lastInsertedRowID
    }

    public func status(ofInvestigation id: Int64, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT status FROM investigations WHERE id = ?", arguments: [id])
    }

    /// An investigation's status and, once done, its findings.
    public func findings(ofInvestigation id: Int64, in db: Database) throws -> (status: String, findings: Findings?)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, findings FROM investigations WHERE id = ?", arguments: [id])
        else { return nil }
        let json: String? = row["findings"]
        return (row["status"], try json.map { try JSONDecoder.findings.decode(Findings.self, from: Data($0.utf8)) })
    }

    /// What a list of incidents shows of each investigation: its status and, once done, its leading cause.
    public struct Summary: Sendable, Equatable {
        public var status: String
        public var topCause: Findings.Cause?
    }

    public func summaries(ofInvestigations ids: [Int64], in db: Database) throws -> [Int64: Summary] {
        guard !ids.isEmpty else { return [:] }
        var summaries: [Int64: Summary] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT id, status, findings FROM investigations WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments(ids))
        {
            let json: String? = row["findings"]
            let findings = json.flatMap { try? JSONDecoder.findings.decode(Findings.self, from: Data($0.utf8)) }
            summaries[row["id"]] = Summary(status: row["status"], topCause: findings?.suspectedCauses.first)
        }
        return summaries
    }
}
