import ArgumentParser
import Foundation

struct Shift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a JSON file with every RFC 3339 time moved so that --as-of becomes now.",
        discussion: """
            Replays the examples today: inquest shift --as-of 2026-11-20T14:35:00Z examples/changes.json | \
            curl … --data-binary @-
            """)

    @Option(help: "The file's own 'now' (for the examples: 2026-11-20T14:35:00Z).") var asOf: String
    @Argument(help: "A JSON file.") var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        print(String(decoding: try TimeShift.shift(data, asOf: asOf), as: UTF8.self))
    }
}
