import ArgumentParser
import ChangeSources
import Foundation
import InquestApp
import Investigation
import WebhookIn

struct Changes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, import and list change-log entries, directly in the database.",
        subcommands: [Add.self, Import.self, List.self, Sources.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log one change.")

        @OptionGroup var options: ConfigOption
        @Option(help: "The service changed, as the catalog names it or by an alias.") var service: String
        @Option(help: ArgumentHelp("What kind of change it was.", valueName: ChangeKind.allCases.map(\.rawValue).joined(separator: "|")))
        var kind: String
        @Option(help: "One line saying what changed.") var summary: String
        @Option(help: "The version or sha deployed, if any.") var version: String?
        @Option(help: "Who made the change.") var author: String?
        @Option(help: "A link to the change (pull request, pipeline run).") var url: String?
        @Option(help: "The environment changed (default: none, which matches every incident).") var environment: String?
        @Option(help: "What logged it; with the generated id, what makes a change unique.") var source = "cli"
        @Option(help: "When it happened, RFC 3339 (default: now).") var at: String?

        /// The change as `POST /api/changes` takes it.
        private struct Body: Encodable {
            var service, kind, summary, source, occurredAt, externalID: String
            var version, author, url, environment: String?

            enum CodingKeys: String, CodingKey {
                case service, kind, summary, source, version, author, url, environment
                case occurredAt = "occurred_at"
                case externalID = "external_id"
            }
        }

        func run() async throws {
            let body = Body(
                service: service, kind: kind, summary: summary, source: source, occurredAt: at ?? Date().rfc3339,
                externalID: "cli-\(UUID().uuidString.lowercased())", version: version, author: author, url: url,
                environment: environment)
            let changes = try ChangeInput().changes(fromJSON: try JSONEncoder().encode(body), receivedAt: Date())
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
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let end = try until.map { try Self.date($0) } ?? Date()
            let start = try since.map { try Self.date($0) } ?? end.addingTimeInterval(-86400)
            let changes = try await ChangeLog(database: try options.openDatabase()).changes(
                from: start, to: end, services: service.map { $0.split(separator: ",").map(String.init) }, limit: limit)
            guard !changes.isEmpty else {
                print(
                    "no changes between \(start.rfc3339) and \(end.rfc3339)"
                        + (service.map { " for \($0)" } ?? "") + " (--since and --until widen the range)")
                return
            }
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

    struct Sources: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What each change source has sent, and the services no source reported for.")

        @OptionGroup var options: ConfigOption
        @Option(help: "How many days back a service counts as covered.") var days = 30
        @Flag(help: "Print the report as JSON, as GET /api/changes/sources answers it.") var json = false

        func run() async throws {
            let config = try options.load()
            let report = try await ChangeSourceStats(database: try options.openDatabase(config)).report(
                configured: Set(config.changes.sources.keys), services: config.services.map(\.name), days: days, now: Date())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            for source in report.sources {
                let state = source.configured ? "on " : "off"
                let last = source.lastDeliveryAt?.rfc3339 ?? "never"
                let rejected = source.rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print(
                    "\(source.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(state)  last \(last)  recorded \(source.recorded)"
                        + "  duplicates \(source.duplicates)  ignored \(source.ignored)"
                        + (rejected.isEmpty ? "" : "  rejected: \(rejected)")
                        + (source.unmapped.isEmpty ? "" : "  unmapped: \(source.unmapped.joined(separator: ", "))"))
            }
            print(
                report.uncovered.isEmpty
                    ? "every catalog service had a change in the last \(days) days"
                    : "no change in the last \(days) days (a change there would be invisible): \(report.uncovered.joined(separator: ", "))")
        }
    }
}
