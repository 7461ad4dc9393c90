import Foundation
import GRDB
import WebhookIn

/// The durable queue every outbound message leaves through.
///
/// Messages are enqueued inside the transaction of the fact that causes them, so a crash can neither lose one nor
/// invent one. A message is claimed (`sending`) before delivery; after a crash, claimed messages go back to
/// `pending` and are sent again with the same dedup key, which the provider uses to apply them once.
public struct Outbox: Sendable {
    private let database: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Adds a message in the caller's transaction. A message whose provider and dedup key are already queued is
    /// not added again; returns whether it was.
    @discardableResult
    public static func enqueue(_ message: OutboxMessage, in db: Database) throws -> Bool {
        try message.insert(db, onConflict: .ignore)
        return db.changesCount == 1
    }

    /// The state of the message `provider` queued under `dedupKey`, if there is one.
    public static func state(provider: String, dedupKey: String, in db: Database) throws -> OutboxMessage.State? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT state FROM outbox_messages WHERE provider = ? AND dedup_key = ?"),
            arguments: [provider, dedupKey]
        ).flatMap(OutboxMessage.State.init(rawValue:))
    }

    /// Claims up to `limit` due messages, oldest due first, counting the attempt; a message waits while an older one of
    /// its sequence is pending or being sent.
    public func claimDue(limit: Int, now: Date) async throws -> [OutboxMessage] {
        try await database.write { db in
            try OutboxMessage.fetchAll(
                db,
                sql: """
                    UPDATE outbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = ?
                    WHERE id IN (SELECT m.id FROM outbox_messages m WHERE m.state = 'pending' AND m.next_attempt_at <= ?
                                 AND (m.sequence_key IS NULL OR NOT EXISTS (
                                     SELECT 1 FROM outbox_messages o WHERE o.sequence_key = m.sequence_key AND o.id < m.id
                                     AND o.state IN ('pending', 'sending')))
                                 ORDER BY m.next_attempt_at, m.id LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now.unixTime, now.unixTime, limit])
        }
    }

    /// Puts messages claimed by a process that died back in the queue; called once at startup (one process owns
    /// the database).
    @discardableResult
    public func recoverClaimed(now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE outbox_messages SET state = 'pending', updated_at = ? WHERE state = 'sending'",
                arguments: [now.unixTime])
            return db.changesCount
        }
    }

    public func markSent(_ id: Int64, now: Date) async throws {
        try await update(id, sql: "state = 'sent', sent_at = ?, last_error = NULL", [now.unixTime], now: now)
    }

    public func markDead(_ id: Int64, error: String, now: Date) async throws {
        try await update(id, sql: "state = 'dead', last_error = ?", [error], now: now)
    }

    /// Back to the queue until `at`. `countAttempt: false` for a message held back by a rate limit, not failed.
    public func reschedule(_ id: Int64, at: Date, error: String?, countAttempt: Bool, now: Date) async throws {
        try await update(
            id, sql: "state = 'pending', next_attempt_at = ?, last_error = COALESCE(?, last_error)"
                + (countAttempt ? "" : ", attempts = attempts - 1"),
            [at.unixTime, error], now: now)
    }

    /// A dead message queued again now, with a fresh attempt budget (`inquest outbox retry ID`).
    public func retry(_ id: Int64, now: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox_messages SET state = 'pending', attempts = 0, next_attempt_at = ?, created_at = ?,
                        updated_at = ? WHERE id = ? AND state = 'dead'
                    """,
                arguments: [now.unixTime, now.unixTime, now.unixTime, id])
            return db.changesCount == 1
        }
    }

    /// How many messages each provider has in each state, for `/metrics`.
    public func depth() async throws -> [(state: String, provider: String, count: Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT state, provider, COUNT(*) AS n FROM outbox_messages GROUP BY state, provider"
            ).map { ($0["state"], $0["provider"], $0["n"]) }
        }
    }

    /// Messages in `state` (all when nil), newest first.
    public func list(state: OutboxMessage.State?, limit: Int = 100) async throws -> [OutboxMessage] {
        try await database.read { db in
            var request = OutboxMessage.all()
            if let state { request = request.filter(Column("state") == state.rawValue) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    private func update(_ id: Int64, sql: String, _ arguments: StatementArguments, now: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE outbox_messages SET \(sql), updated_at = ? WHERE id = ?",
                arguments: arguments + [now.unixTime, id])
        }
    }
}
