import Alerting
import ChangeSources
import Foundation
import GRDB
import Investigation
import Outbound
import WebhookIn

/// Opens the one SQLite database every module shares, and migrates it.
public enum InquestDatabase {
    /// All modules' migrations, in dependency order.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        WebhookInMigrations.register(in: &migrator)
        InvestigationMigrations.register(in: &migrator)
        ChangeSourcesMigrations.register(in: &migrator)
        OutboundMigrations.register(in: &migrator)
        AlertingMigrations.register(in: &migrator)
        return migrator
    }

    /// The log size, in pages, at which a committing connection checkpoints by itself: a backstop, since
    /// ``WALCheckpointer`` keeps the log short without stalling the writer.
    static let writerCheckpointPages = 10_000

    /// A WAL-mode pool with `synchronous=NORMAL` (durable across process crashes; an OS crash may lose the last
    /// transactions) and a busy timeout, since the default fails at once under write contention.
    public static func open(path: String, busyTimeout: TimeInterval = 5) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(writerCheckpointPages)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }
}
