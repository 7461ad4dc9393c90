import AsyncHTTPClient
import Foundation
import Hummingbird
import InquestApp
import Logging
import Synchronization
import WebhookIn

/// `inquest serve` in-process on a loopback port, on a temp database, for benchmarks that go through HTTP.
/// The clock is pinned so requests can be signed with a fixed timestamp.
final class BenchmarkServer: Sendable {
    enum Failure: Error {
        case status(Int)
        case notReady
    }

    let port: Int
    let webhookSecret = Secret("whsec_" + Data(repeating: 7, count: 32).base64EncodedString())
    let ingestToken = "bench-ingest-token"
    let timestamp: Int64 = 1_795_185_600
    var url: String { "http://127.0.0.1:\(port)" }
    private let running = Mutex<(task: Task<Void, any Error>, directory: URL)?>(nil)

    init(port: Int) {
        self.port = port
    }

    func start() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-\(UUID())")
        var config = InquestConfig()
        config.host = "127.0.0.1"
        config.port = port
        config.database = directory.appendingPathComponent("inquest.sqlite").path
        config.logLevel = .warning
        config.investigations.enabled = false
        config.alert.enabled = false  // measures incident.io and change ingest only
        config.integrations.incidentIO.webhookSecrets = [.environment(name: "BENCH_WEBHOOK_SECRET")]
        config.changes.ingestToken = .environment(name: "BENCH_INGEST_TOKEN")
        config.linkSigningKey = .environment(name: "BENCH_LINK_KEY")
        config.adminToken = nil
        let now = Date(timeIntervalSince1970: TimeInterval(timestamp))
        let app = try await buildApplication(
            config: config,
            dependencies: AppDependencies(
                logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() },
                environment: [
                    "BENCH_WEBHOOK_SECRET": webhookSecret.reveal(), "BENCH_INGEST_TOKEN": ingestToken,
                    "BENCH_LINK_KEY": "bench-link-key",
                ],
                now: { now }))
        let task = Task { try await app.runService() }
        running.withLock { $0 = (task, directory) }
        for _ in 0..<100 {
            if let response = try? await HTTPClient.shared.execute(.init(url: url + "/readyz"), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.notReady
    }

    func stop() async {
        guard let (task, directory) = running.withLock({ $0 }) else { return }
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
    }
}
