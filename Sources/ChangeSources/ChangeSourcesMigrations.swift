import GRDB

/// The tables ChangeSources owns: what each source has sent, and the subjects no service matched.
public enum ChangeSourcesMigrations {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("changesources.v1") { db in
            // One row per source, outcome and reason (`rejected`/`invalid_signature`), counted as deliveries arrive.
            try db.create(table: "change_source_deliveries") { t in
                t.column("source", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("count", .integer).notNull()
                t.column("last_at", .double).notNull()
                t.primaryKey(["source", "outcome", "reason"])
            }
            try db.create(table: "change_source_unmapped") { t in
                t.column("source", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("count", .integer).notNull()
                t.column("last_at", .double).notNull()
                t.primaryKey(["source", "subject"])
            }
        }
    }
}
