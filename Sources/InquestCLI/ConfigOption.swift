import ArgumentParser
import Foundation
import GRDB
import InquestApp
import Logging

/// `--config PATH`, shared by every subcommand that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config = "config/inquest.yaml"

    func load() throws -> InquestConfig {
        try InquestConfig.load(path: config, environment: ProcessInfo.processInfo.environment)
    }

    /// The configured database, migrated.
    func openDatabase(_ config: InquestConfig? = nil) throws -> DatabasePool {
        try InquestDatabase.open(path: (config ?? load()).database)
    }

    func logger(level: Logger.Level) -> Logger {
        Logger(label: "inquest") { JSONLogHandler.standardOutput(label: $0, level: level) }
    }
}
