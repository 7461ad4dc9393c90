import Foundation
import GRDB
import Outbound
import Testing

/// The `inquest` executable, run as an operator would, against a temp deployment.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs the `inquest` binary built next to the test bundle.
    func inquest(_ arguments: [String], _ env: TestEnvironment) throws -> Run {
        let config = env.directory.appendingPathComponent("inquest.yaml")
        try "database: \(env.config.database)\nvault_dev_path: \(env.config.vaultDevPath)\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let binary = try #require(
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("inquest"),
            "cannot locate the test bundle")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + ["--config", config.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }

    @Test func outboxListShowsDeadMessagesAndRetryQueuesThemAgain() async throws {
        let env = try TestEnvironment()
        let outbox = Outbox(database: try env.database())
        try await env.database().write { db in
            _ = try Outbox.enqueue(
                OutboxMessage(
                    provider: "slack", operation: "post", target: "C05CHECKOUT1", dedupKey: "findings-1",
                    payload: ["message": "{}"], at: env.now),
                in: db)
        }
        try await outbox.markDead(1, error: "Slack: channel_not_found", now: env.now)

        let listed = try inquest(["outbox", "list", "--state", "dead"], env)
        #expect(listed.status == 0)
        #expect(listed.output.contains("1\tdead\tslack post\tC05CHECKOUT1\tfindings-1"))
        #expect(listed.output.contains("channel_not_found"))

        let retried = try inquest(["outbox", "retry", "1"], env)
        #expect(retried.status == 0)
        #expect(retried.output.contains("message 1 queued"))
        #expect(try await outbox.list(state: .pending).map(\.id) == [1])

        let again = try inquest(["outbox", "retry", "1"], env)
        #expect(again.status != 0)
        #expect(again.output.contains("message 1 does not exist or is not dead"))
        #expect(try inquest(["outbox", "list", "--state", "dead"], env).output.contains("no dead messages"))
    }
}
