import Foundation
import Investigation

/// Runs a program to completion and returns its exit status and everything it printed (stdout and stderr).
enum Command {
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

extension Change {
    /// A production deploy at a time of the fixture day (2026-11-20, UTC).
    static func deploy(_ id: String, _ service: String, _ version: String, at time: String) -> Change {
        Change(
            source: "ci", externalID: id, service: service, kind: .deploy, summary: "Deploy \(service) \(version)",
            version: version, occurredAt: Date(rfc3339: "2026-11-20T\(time):00Z")!)
    }
}
