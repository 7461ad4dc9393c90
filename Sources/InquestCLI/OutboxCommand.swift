import ArgumentParser
import Foundation
import InquestApp
import Outbound
import WebhookIn

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect outbound messages and send dead ones again, directly in the database.",
        subcommands: [List.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List messages, newest first.")

        @OptionGroup var options: ConfigOption
        @Option(help: "pending, sending, sent or dead (default: all).") var state: OutboxMessage.State?
        @Option var limit = 50

        func run() async throws {
            let messages = try await Outbox(database: try options.openDatabase()).list(state: state, limit: limit)
            for message in messages {
                var line = "\(message.id ?? 0)\t\(message.state.rawValue)\t\(message.provider) \(message.operation)"
                line += "\t\(message.target)\t\(message.dedupKey)\tattempts \(message.attempts)"
                switch message.state {
                case .sent: line += "\tsent \(message.sentAt?.rfc3339 ?? "-")"
                case .pending: line += "\tnext \(message.nextAttemptAt.rfc3339)"
                case .sending, .dead: break
                }
                if message.state != .sent, let error = message.lastError { line += "\t\(error)" }
                print(line)
            }
            if messages.isEmpty { print("no \(state.map { "\($0.rawValue) " } ?? "")messages") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a dead message again now, with a fresh attempt budget (a running server sends it).")

        @OptionGroup var options: ConfigOption
        @Argument var id: Int64

        func run() async throws {
            guard try await Outbox(database: try options.openDatabase()).retry(id, now: Date()) else {
                throw ValidationError("message \(id) does not exist or is not dead")
            }
            print("message \(id) queued")
        }
    }
}

extension OutboxMessage.State: ExpressibleByArgument {}
