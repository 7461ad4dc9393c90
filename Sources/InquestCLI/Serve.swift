import ArgumentParser
import InquestApp

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service until SIGTERM or SIGINT, then finish in-flight work and close the database.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let logger = options.logger(level: config.logLevel)
        let app = try await buildApplication(config: config, dependencies: AppDependencies(logger: logger))
        logger.info("starting", metadata: ["address": "\(config.host):\(config.port)", "database": "\(config.database)"])
        try await app.runService()
    }
}
