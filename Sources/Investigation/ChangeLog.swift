import Foundation
import GRDB

/// The change log: idempotent ingest, window queries for correlation, listing and retention.
public struct ChangeLog: Sendable {
    /// How many of a batch were new and how many had been sent before.
    public struct IngestResult: Sendable, Equatable, Encodable {
        public var inserted: Int
        public var duplicates: Int
    }

    private let database: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Inserts a batch in one transaction. A change whose `source` + `external_id` is already logged is
    /// skipped, so a sender may safely resend.
    public func ingest(_ changes: [Change]) async throws -> IngestResult {
        try await database.write { db in try Self.ingest(changes, in: db) }
    }

    /// The same, inside a transaction the caller holds (a receiver that also counts the delivery).
    public static func ingest(_ changes: [Change], in db: Database) throws -> IngestResult {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO changes (source, external_id, service, environment, kind, summary, version, author, url,
                                     occurred_at, metadata)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, external_id) DO NOTHING
                """)
        let seen = try db.cachedStatement(sql: "INSERT INTO change_services (name) VALUES (?) ON CONFLICT DO NOTHING")
        var inserted = 0
        for change in changes {
            try seen.execute(arguments: [change.service])
            try statement.execute(arguments: [
                change.source, change.externalID, change.service, change.environment, change.kind.rawValue,
                change.summary, change.version, change.author, change.url, change.occurredAt.unixTime, change.metadata,
            ])
            inserted += db.changesCount
        }
        return IngestResult(inserted: inserted, duplicates: changes.count - inserted)
    }

    /// Changes with `occurred_at` in `[from, to]`, newest first; for `services`, only theirs.
    public func changes(from: Date, to: Date, services: [String]? = nil, limit: Int = 500) async throws -> [Change] {
        try await database.read { db in
            try Self.changes(from: from, to: to, services: services, limit: limit, in: db)
        }
    }

    /// Raw SQL through the connection's statement cache: an investigation runs these twice, and compiling the query
    /// interface's SQL (and authorizing it) each time was a tenth of its database time.
    static func changes(from: Date, to: Date, services: [String]?, limit: Int, in db: Database) throws -> [Change] {
        if let services, services.isEmpty { return [] }
        let filter = services.map { " AND service IN (\(Array(repeating: "?", count: $0.count).joined(separator: ",")))" } ?? ""
        let statement = try db.cachedStatement(
            sql: "SELECT * FROM changes WHERE occurred_at >= ? AND occurred_at <= ?\(filter) ORDER BY occurred_at DESC LIMIT ?")
        return try Change.fetchAll(
            statement, arguments: [from.unixTime, to.unixTime] + StatementArguments(services ?? []) + [limit])
    }

    /// How many service names the change log has seen. Names are added, never removed (pruning old changes keeps
    /// them), so an unchanged count is an unchanged set.
    static func serviceCount(in db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM change_services")) ?? 0
    }

    /// Every service name that appears in the change log.
    static func serviceNames(in db: Database) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM change_services"))
    }

    /// Which of `services` have at least one change in `[from, to]`: the others are invisible to correlation.
    static func reporting(_ services: [String], from: Date, to: Date, in db: Database) throws -> Set<String> {
        var found: Set<String> = []
        let statement = try db.cachedStatement(
            sql: "SELECT 1 FROM changes WHERE service = ? AND occurred_at BETWEEN ? AND ? LIMIT 1")
        for service in services where try Bool.fetchOne(statement, arguments: [service, from.unixTime, to.unixTime]) != nil {
            found.insert(service)
        }
        return found
    }

    /// The version `service` was deployed at before `date`, for "roll back to" advice.
    static func previousVersion(of service: String, before date: Date, in db: Database) throws -> String? {
        try String.fetchOne(
            db,
            sql: """
                SELECT version FROM changes WHERE service = ? AND occurred_at < ? AND kind IN ('deploy', 'rollback')
                AND version IS NOT NULL ORDER BY occurred_at DESC LIMIT 1
                """,
            arguments: [service, date.unixTime])
    }

    /// The most recent changes in `[from, to]` to services outside `services`.
    static func changes(from: Date, to: Date, excluding services: Set<String>, limit: Int, in db: Database) throws -> [Change] {
        let filter = services.isEmpty ? "" : " AND service NOT IN (\(Array(repeating: "?", count: services.count).joined(separator: ",")))"
        let statement = try db.cachedStatement(
            sql: "SELECT * FROM changes WHERE occurred_at >= ? AND occurred_at <= ?\(filter) ORDER BY occurred_at DESC LIMIT ?")
        return try Change.fetchAll(
            statement, arguments: [from.unixTime, to.unixTime] + StatementArguments(services.sorted()) + [limit])
    }

    /// Removes changes older than `cutoff`.
    @discardableResult
    public func prune(before cutoff: Date) async throws -> Int {
        try await database.write { db in
            try Change.filter(Column("occurred_at") < cutoff.unixTime).deleteAll(db)
        }
    }
}
