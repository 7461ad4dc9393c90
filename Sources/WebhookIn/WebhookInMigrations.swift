import GRDB

/// The tables WebhookIn owns: the incidents it has heard of and the deliveries it has accepted.
public enum WebhookInMigrations {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("webhookin.v1") { db in
            try db.create(table: "incidents") { t in
                t.primaryKey("id", .text)
                t.column("source", .text).notNull()
                t.column("reference", .text)
                t.column("name", .text)
                t.column("severity", .text)
                t.column("priority", .text).notNull()
                t.column("mode", .text)
                t.column("status_category", .text)
                t.column("slack_channel_id", .text)
                t.column("source_created_at", .datetime)
                t.column("source_updated_at", .datetime)
                t.column("payload", .jsonText).notNull()
                t.column("decision", .text).notNull()
                t.column("investigation_id", .integer)
                t.column("first_seen_at", .datetime).notNull()
                t.column("last_event_at", .datetime).notNull()
            }
            // The replay guard: a webhook-id is accepted once. Kept well past incident.io's 24 h retry window.
            try db.create(table: "webhook_deliveries") { t in
                t.primaryKey("webhook_id", .text)
                t.column("event_type", .text).notNull()
                t.column("incident_id", .text)
                t.column("outcome", .text).notNull()
                t.column("received_at", .datetime).notNull().indexed()
            }
        }
        // Re-investigation on a severity raise (with a cooldown) and private incidents read back from the API.
        migrator.registerMigration("webhookin.v2") { db in
            try db.alter(table: "incidents") { t in
                t.add(column: "investigated_priority", .text)
                t.add(column: "investigation_queued_at", .datetime)
                t.add(column: "fetch_requested_by", .text)
            }
            try db.execute(
                sql: """
                    UPDATE incidents SET investigated_priority = priority, investigation_queued_at = first_seen_at
                    WHERE investigation_id IS NOT NULL;
                    CREATE INDEX incidents_fetch_requested ON incidents (fetch_requested_by)
                    WHERE fetch_requested_by IS NOT NULL;
                    """)
        }
    }
}
