import ArgumentParser
import Foundation
import InquestApp
import Logging

/// `--config PATH`, shared by every subcommand that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config = "config/inquest.yaml"

    func load() throws -> InquestConfig {
        try InquestConfig.load(path: config, environment: ProcessInfo.processInfo.environment)
    }

    func logger(level: Logger.Level) -> Logger {
        Logger(label: "inquest") { JSONLogHandler.standardOutput(label: $0, level: level) }
    }
}
