import ArgumentParser
import Foundation
import InquestApp
import Logging
import NIOCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service until SIGTERM or SIGINT, then finish in-flight work and close the database.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        // Until the configuration is read, errors go out at the default level, as JSON like every later line.
        var logger = options.logger(level: .info)
        do {
            let config = try options.load()
            logger = options.logger(level: config.logLevel)
            let app = try await buildApplication(config: config, dependencies: AppDependencies(logger: logger))
            logger.info("starting", metadata: ["address": "\(config.host):\(config.port)", "database": "\(config.database)"])
            do {
                try await app.runService()
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                logger.critical(
                    "cannot listen: the address is already in use (another inquest, or another program?)",
                    metadata: ["address": "\(config.host):\(config.port)"])
                throw ExitCode.failure
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
