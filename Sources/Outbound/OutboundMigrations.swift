import GRDB

/// The tables Outbound owns: the outbox every outbound message leaves through, and the Slack messages it may
/// later edit in place.
public enum OutboundMigrations {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbound.v1") { db in
            try db.create(table: "outbox_messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("provider", .text).notNull()
                t.column("operation", .text).notNull()
                // Where it goes, for people reading the outbox: a channel, an incident id, a named key. Never a secret.
                t.column("target", .text).notNull()
                // Also the provider's idempotency or dedup key, so a resend after a crash is applied once.
                t.column("dedup_key", .text).notNull()
                t.column("payload", .jsonText).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("next_attempt_at", .double).notNull()
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
                t.column("sent_at", .double)
                t.column("last_error", .text)
                t.uniqueKey(["provider", "dedup_key"])
            }
            try db.create(index: "outbox_due", on: "outbox_messages", columns: ["state", "next_attempt_at"])
            // A Slack message Inquest posted and may update: findings of a re-investigation, an alert's ack.
            try db.create(table: "slack_posts") { t in
                t.primaryKey("key", .text)
                t.column("channel", .text).notNull()
                t.column("ts", .text).notNull()
                t.column("updated_at", .double).notNull()
            }
        }
        // The outbox message a Slack post last showed: an older edit sent after a newer one is skipped, not shown.
        migrator.registerMigration("outbound.v4") { db in
            try db.alter(table: "slack_posts") { t in t.add(column: "message_id", .integer) }
        }
        // When a post first became visible in Slack: an alert's wait for an acknowledgement starts there.
        migrator.registerMigration("outbound.v5") { db in
            try db.alter(table: "slack_posts") { t in t.add(column: "posted_at", .double) }
        }
        // Messages of one sequence leave in the order queued: a claim skips a message while an older one of its
        // sequence is still pending or being sent.
        migrator.registerMigration("outbound.v6") { db in
            try db.alter(table: "outbox_messages") { t in t.add(column: "sequence_key", .text) }
            try db.execute(
                sql: """
                    CREATE INDEX outbox_sequence ON outbox_messages (sequence_key, id)
                    WHERE sequence_key IS NOT NULL AND state IN ('pending', 'sending')
                    """)
        }
    }
}
