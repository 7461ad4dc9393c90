import GRDB

/// The tables Alerting owns: Alertmanager groups as incidents (with the alerts each was about) and their
/// escalations. The migrations keep the names they had when WebhookIn and Outbound owned these tables, so databases
/// that ran them do not run them again.
public enum AlertingMigrations {
    public static func register(in migrator: inout DatabaseMigrator) {
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
        // One row per alert incident: the on-call page as a due time and a state, never an in-memory timer, so a
        // restart pages what is due exactly once and an ack racing the due time has one outcome.
        migrator.registerMigration("outbound.v2") { db in
            try db.create(table: "escalations") { t in
                t.primaryKey("incident_id", .text)
                // off (no paging) | waiting | paged | acknowledged | resolved
                t.column("state", .text).notNull()
                t.column("provider", .text)
                // The named routing key or alert source ("default" for the main one). Never the key itself.
                t.column("route", .text)
                t.column("due_at", .double)
                t.column("title", .text).notNull()
                // The alert as last received, for the page and the Slack message.
                t.column("payload", .jsonText).notNull()
                t.column("paged_at", .double)
                t.column("acknowledged_by", .text)
                t.column("acknowledged_at", .double)
                t.column("resolved_at", .double)
                t.column("created_at", .double).notNull()
            }
            try db.create(index: "escalations_due", on: "escalations", columns: ["state", "due_at"])
        }
        // How many times the alert fired again after resolving (a flap): each round's page and Slack edits are
        // outbox messages of their own.
        migrator.registerMigration("outbound.v3") { db in
            try db.alter(table: "escalations") { t in
                t.add(column: "refired", .integer).notNull().defaults(to: 0)
            }
        }
    }
}
