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
        // Alertmanager groups as incidents; at most one open incident per group.
        migrator.registerMigration("webhookin.v3") { db in
            try db.create(table: "alert_incidents") { t in
                t.primaryKey("id", .text)
                t.column("group_key", .text)
                t.column("status", .text).notNull()
                t.column("title", .text).notNull()
                t.column("payload", .jsonText).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("resolved_at", .datetime)
            }
            try db.execute(
                sql: "CREATE UNIQUE INDEX alert_incidents_open_group ON alert_incidents (group_key) WHERE status = 'firing'")
        }
        // The alerts each incident was about, by Alertmanager fingerprint, and the receiver that sent them: a group
        // whose key changed (a route edit) or that fires again soon after resolving is found by its alerts, not only
        // by its key.
        migrator.registerMigration("webhookin.v4") { db in
            try db.alter(table: "alert_incidents") { t in t.add(column: "receiver", .text) }
            try db.create(table: "alert_fingerprints", options: .withoutRowID) { t in
                t.column("fingerprint", .text).notNull()
                t.column("incident_id", .text).notNull().references("alert_incidents", onDelete: .cascade)
                t.primaryKey(["fingerprint", "incident_id"])
            }
            try db.create(index: "alert_fingerprints_incident", on: "alert_fingerprints", columns: ["incident_id"])
            try db.create(index: "alert_incidents_resolved", on: "alert_incidents", columns: ["group_key", "resolved_at"])
        }
    }
}
