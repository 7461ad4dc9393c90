import Benchmark
import Foundation
import Synchronization
import InquestApp
import Investigation
import WebhookIn

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 1_000_000)

    signatureBenchmarks()
    ingestBenchmarks()
}

/// Verifying one 4 KiB delivery: the fixed cost every inbound request pays before anything else.
func signatureBenchmarks() {
    let secret = Secret("whsec_" + Data(repeating: 42, count: 32).base64EncodedString())
    let body = Data((0..<4096).map { _ in UInt8.random(in: 32...126) })
    let timestamp: Int64 = 1_795_185_600
    let now = Date(timeIntervalSince1970: TimeInterval(timestamp))
    let signature = try! SignatureVerifier.sign(id: "msg_bench", timestamp: timestamp, body: body, secret: secret)
    let verifier = try! SignatureVerifier(secrets: [secret], now: { now })

    Benchmark("SignatureVerifier.verify 4 KiB") { benchmark in
        for _ in benchmark.scaledIterations {
            try verifier.verify(id: "msg_bench", timestamp: String(timestamp), signatures: signature, body: body)
        }
    }
}

/// Decoding a realistic delivery and committing incident + delivery + job: the storage half of signed ingest.
func ingestBenchmarks() {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-\(UUID())")
    let database = try! InquestDatabase.open(path: directory.appendingPathComponent("bench.sqlite").path)
    let store = IncidentStore(database: database, queue: InvestigationStore(), policy: InvestigationPolicy())
    let sequence = Atomic<Int>(0)
    let now = Date()

    Benchmark("IncidentStore.record (decode + one transaction)") { benchmark in
        for _ in benchmark.scaledIterations {
            let index = sequence.add(1, ordering: .relaxed).newValue
            let body = Data(
                """
                {"event_type":"public_incident.incident_created_v2","public_incident.incident_created_v2":{\
                "id":"01BENCH\(index)","reference":"INC-\(index)","name":"High error rate on checkout service",\
                "mode":"standard","created_at":"2026-11-20T14:36:00.000000Z","updated_at":"2026-11-20T14:36:00.000000Z",\
                "severity":{"name":"High","rank":2},"incident_status":{"name":"Investigating","category":"live"}}}
                """.utf8)
            let event = try IncidentIOEvent(json: body)
            _ = try await store.record(deliveryID: "msg_\(index)", event: event, receivedAt: now)
        }
    } teardown: {
        try? FileManager.default.removeItem(at: directory)
    }
}
