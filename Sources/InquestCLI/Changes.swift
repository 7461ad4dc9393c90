import ArgumentParser
import Foundation
import InquestApp
import Investigation
import WebhookIn

struct Changes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, import and list change-log entries, directly in the database.",
        subcommands: [Add.self, Import.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log one change.")

        @OptionGroup var options: ConfigOption
        @Option var service: String
        @Option(help: "deploy, config, feature_flag, infra, rollback or other.") var kind: String
        @Option var summary: String
        @Option var version: String?
        @Option var author: String?
        @Option var url: String?
        @Option var environment: String?
        @Option var source = "cli"
        @Option(help: "RFC 3339 time it happened (default: now).") var at: String?

        func run() async throws {
            var fields: [String: Any] = [
                "service": service, "kind": kind, "summary": summary, "source": source,
                "occurred_at": at ?? Date().rfc3339, "external_id": "cli-\(UUID().uuidString.lowercased())",
            ]
            fields["version"] = version
            fields["author"] = author
            fields["url"] = url
            fields["environment"] = environment
            let body = try JSONSerialization.data(withJSONObject: fields)
            let changes = try ChangeInput().changes(fromJSON: body, receivedAt: Date())
            let result = try await ChangeLog(database: try options.openDatabase()).ingest(changes)
            print("logged \(result.inserted) change")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log every change in a JSON Lines file (one change object per line), all or nothing.")

        @OptionGroup var options: ConfigOption
        @Argument var file: String

        func run() async throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read \(file)")
            }
            let changes = try ChangeInput().changes(fromJSONLines: text)
            let result = try await ChangeLog(database: try options.openDatabase()).ingest(changes)
            print("\(result.inserted) logged, \(result.duplicates) already there")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List changes, newest first.")

        @OptionGroup var options: ConfigOption
        @Option(help: "Only these services (comma-separated).") var service: String?
        @Option(help: "RFC 3339 (default: 24 h before --until).") var since: String?
        @Option(help: "RFC 3339 (default: now).") var until: String?
        @Option var limit = 100

        func run() async throws {
            let end = try until.map { try Self.date($0) } ?? Date()
            let start = try since.map { try Self.date($0) } ?? end.addingTimeInterval(-86400)
            let changes = try await ChangeLog(database: try options.openDatabase()).changes(
                from: start, to: end, services: service.map { $0.split(separator: ",").map(String.init) }, limit: limit)
            for change in changes {
                print(
                    [change.occurredAt.rfc3339, change.service, change.kind.rawValue, change.version ?? "-", change.summary]
                        .joined(separator: "  "))
            }
        }

        static func date(_ text: String) throws -> Date {
            guard let date = Date(rfc3339: text) else { throw ValidationError("\(text) is not an RFC 3339 time") }
            return date
        }
    }
}
