import GRDB

/// The tables Investigation owns.
public enum InvestigationMigrations {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("investigation.v1") { db in
            try db.create(table: "investigations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("incident_id", .text).notNull().indexed().references("incidents", onDelete: .cascade)
                t.column("priority", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("queued_at", .datetime).notNull()
                // A queued job is not taken before this time: retries back off through it.
                t.column("not_before", .datetime).notNull()
                // A running job whose lease has passed belongs to a worker that died: it is taken again.
                t.column("lease_expires_at", .datetime)
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("findings", .jsonText)
                t.column("error", .text)
            }
            try db.create(index: "investigations_due", on: "investigations", columns: ["status", "not_before"])
        }
        migrator.registerMigration("investigation.v2-changes") { db in
            try db.create(table: "changes") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("source", .text).notNull()
                t.column("external_id", .text).notNull()
                t.column("service", .text).notNull()
                t.column("environment", .text)
                t.column("kind", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("version", .text)
                t.column("author", .text)
                t.column("url", .text)
                t.column("occurred_at", .datetime).notNull()
                t.column("metadata", .jsonText)
                t.uniqueKey(["source", "external_id"])
            }
            // "Changes in a window" and "changes in a window for these services" are both index range scans.
            try db.create(index: "changes_by_time", on: "changes", columns: ["occurred_at"])
            try db.create(index: "changes_by_service_time", on: "changes", columns: ["service", "occurred_at"])
            // Every service name the change log has seen, so incidents can be matched against them cheaply.
            try db.create(table: "change_services") { t in
                t.primaryKey("name", .text)
            }
        }
    }
}
