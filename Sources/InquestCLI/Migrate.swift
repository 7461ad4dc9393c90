import ArgumentParser
import GRDB
import InquestApp

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database schema, then exit. `serve` does this on startup too.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let database = try InquestDatabase.open(path: config.database)
        let applied = try await database.read { db in try InquestDatabase.migrator.appliedMigrations(db) }
        print("\(config.database): \(applied.count) migrations applied (\(applied.joined(separator: ", ")))")
        try database.close()
    }
}
