import AsyncHTTPClient
import Benchmark
import Foundation
import GRDB
import Hummingbird
import InquestApp
import Logging
import Outbound
import Synchronization
import WebhookIn

/// The outbox dispatcher delivering batches of 1,000 incident.io timeline items to a local fake provider that answers
/// `201` at once: what the outbox, the dispatcher and the HTTP client add per message (messages/s is 1,000 × the
/// throughput figure). The incident.io rate limit is lifted, as it would otherwise be the whole measurement.
func outboxDispatchBenchmarks() {
    let fake = FakeProviderServer(port: 39_173)
    let state = Mutex<(database: DatabasePool, directory: URL)?>(nil)
    let batch = Atomic<Int>(0)

    for concurrency in [1, 4, 16] {
        Benchmark(
            "Outbox dispatch to a fake provider, 1,000 messages, concurrency \(concurrency)",
            configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10))
        ) { benchmark in
            guard let (database, _) = state.withLock({ $0 }) else { return }
            var settings = IncidentIOAPI.Settings(apiKey: Secret("bench-api-key"), baseURL: fake.url)
            settings.limit = .init(perMinute: 60_000_000, burst: 1_000_000)
            let provider = IncidentIOAPI(
                settings: settings, client: .shared, timeout: .seconds(5),
                logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
            let dispatcher = OutboxDispatcher(
                database: database, providers: [provider], settings: .init(), now: Date.init,
                logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
            for _ in benchmark.scaledIterations {
                let number = batch.add(1, ordering: .relaxed).newValue
                try await database.write { db in
                    for index in 0..<1000 {
                        let item = IncidentIOAPI.TimelineItem(
                            incidentID: "inc-\(number)", idempotencyKey: "bench-\(number)-\(index)", title: "Investigation",
                            timestamp: "2026-11-20T14:40:00Z", description: "Findings **markdown** \(index)",
                            pageURL: "http://localhost:3000/investigations/\(number)", attachOnFallback: true)
                        _ = try Outbox.enqueue(
                            OutboxMessage(
                                provider: "incident_io", operation: "timeline_item", target: "inc-\(number)",
                                dedupKey: item.idempotencyKey, payload: item, at: Date()),
                            in: db)
                    }
                }
                benchmark.startMeasurement()
                try await withThrowingDiscardingTaskGroup { group in
                    for _ in 0..<concurrency {
                        group.addTask { while try await dispatcher.runOnce() {} }
                    }
                }
                benchmark.stopMeasurement()
            }
            let unsent = try await database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_messages WHERE state != 'sent'") ?? 0
            }
            guard unsent == 0 else { throw BenchmarkServer.Failure.status(unsent) }
        } setup: {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-outbox-\(UUID())")
            let database = try InquestDatabase.open(path: directory.appendingPathComponent("inquest.sqlite").path)
            state.withLock { $0 = (database, directory) }
            try await fake.start()
        } teardown: {
            await fake.stop()
            if let (database, directory) = state.withLock({ $0 }) {
                try? database.close()
                try? FileManager.default.removeItem(at: directory)
            }
            state.withLock { $0 = nil }
        }
    }
}

/// A provider that accepts everything: `201 {}` for any POST.
final class FakeProviderServer: Sendable {
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(port: Int) {
        self.port = port
    }

    func start() async throws {
        let router = Router()
        router.post("**") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{}")))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: Logger(label: "fake") { _ in SwiftLogNoOpLogHandler() })
        task.withLock { $0 = Task { try await app.runService() } }
        for _ in 0..<100 {
            var probe = HTTPClientRequest(url: url + "/ready")
            probe.method = .POST
            if (try? await HTTPClient.shared.execute(probe, timeout: .seconds(1)))?.status == .created { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkServer.Failure.notReady
    }

    func stop() async {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        _ = await task.result
    }
}
