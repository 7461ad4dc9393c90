import Foundation
import GRDB
import Outbound
import Testing
import WebhookIn

/// The `inquest` executable, run as an operator would, against a temp deployment.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs the `inquest` binary built next to the test bundle.
    func inquest(_ arguments: [String], _ env: TestEnvironment, extraConfig: String = "", withConfig: Bool = true) throws -> Run {
        let config = env.directory.appendingPathComponent("inquest.yaml")
        try "database: \(env.config.database)\nvault_dev_path: \(env.config.vaultDevPath)\n\(extraConfig)"
            .write(to: config, atomically: true, encoding: .utf8)
        let binary = try #require(
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("inquest"),
            "cannot locate the test bundle")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + (withConfig ? ["--config", config.path] : [])
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

    @Test func aPortInUseIsOneClearJSONLineAndAFailure() throws {
        let env = try TestEnvironment()
        let listener = try LoopbackListener()
        let run = try inquest(["serve"], env, extraConfig: "host: 127.0.0.1\nport: \(listener.port)\n")
        #expect(run.status != 0)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.hasPrefix("{") }, "\(run.output)")
        let errors = lines.filter { $0.contains(#""level":"error""#) || $0.contains(#""level":"critical""#) }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("already in use") == true)
        #expect(errors.first?.contains("127.0.0.1:\(listener.port)") == true)
    }

    @Test func explainAsJSONIsOneJSONDocumentWithEveryCandidate() throws {
        let env = try TestEnvironment()
        let incident = env.directory.appendingPathComponent("incident.json")
        try Fixtures.data("incident-created.json").write(to: incident)
        let run = try inquest(["investigate", incident.path, "--json", "--explain"], env)
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["findings", "candidates", "excluded", "no_change_confidence"])
        #expect(try inquest(["--version"], env, withConfig: false).output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        #expect(try inquest(["changes", "list"], env).output.hasPrefix("no changes between"))
        let sources = try inquest(
            ["changes", "sources"], env,
            extraConfig: "services:\n  payments-db: {}\nchanges:\n  sources:\n    github: {secrets: [env://HOME]}\n")
        #expect(sources.status == 0, "\(sources.output)")
        #expect(sources.output.contains("github           on   last never  recorded 0"))
        #expect(sources.output.contains("gitlab           off"))
        #expect(sources.output.contains("a change there would be invisible): payments-db"))
    }

    @Test func shiftMovesEveryTimeSoTheExampleHappensNow() throws {
        let env = try TestEnvironment()
        let file = env.directory.appendingPathComponent("changes.json")
        try Data(
            #"{"changes": [{"external_id": "a", "occurred_at": "2026-11-20T14:30:00Z", "version": "2026.11.20"}, {"external_id": "b", "occurred_at": "2026-11-20T11:00:00.000000Z"}]}"#
                .utf8
        ).write(to: file)
        let run = try inquest(["shift", "--as-of", "2026-11-20T14:35:00Z", file.path], env, withConfig: false)
        #expect(run.status == 0, "\(run.output)")
        struct Batch: Decodable {
            struct Entry: Decodable {
                var occurred_at: String
                var version: String?
            }
            var changes: [Entry]
        }
        let batch = try JSONDecoder().decode(Batch.self, from: Data(run.output.utf8))
        let times = batch.changes.compactMap { Date(rfc3339: $0.occurred_at) }
        #expect(times.count == 2)
        #expect(abs(times[0].timeIntervalSinceNow + 300) < 120)  // 5 min before the anchor, now 5 min before now
        #expect(times[0].timeIntervalSince(times[1]) == 3.5 * 3600)
        #expect(batch.changes[0].version == "2026.11.20")
    }
}
