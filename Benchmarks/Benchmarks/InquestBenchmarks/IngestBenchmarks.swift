import AsyncHTTPClient
import Benchmark
import Foundation
import InquestApp
import Investigation
import NIOCore
import Synchronization
import WebhookIn

/// A realistic `incident_created_v2` delivery for a new incident.
func incidentDelivery(_ index: Int) -> Data {
    Data(
        """
        {"event_type":"public_incident.incident_created_v2","public_incident.incident_created_v2":{\
        "id":"01BENCH\(index)","reference":"INC-\(index)","name":"High error rate on checkout service",\
        "mode":"standard","created_at":"2026-11-20T14:36:00.000000Z","updated_at":"2026-11-20T14:36:00.000000Z",\
        "severity":{"name":"High","rank":2},"incident_status":{"name":"Investigating","category":"live"}}}
        """.utf8)
}

/// Decoding a delivery and committing incident + delivery + job, one at a time: the storage half of ingest.
func incidentStoreBenchmarks() {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-\(UUID())")
    let sequence = Atomic<Int>(0)
    let store = Mutex<IncidentStore?>(nil)

    Benchmark("IncidentStore.record (decode + one transaction)") { benchmark in
        let store = store.withLock { $0 }!
        for _ in benchmark.scaledIterations {
            let index = sequence.add(1, ordering: .relaxed).newValue
            let event = try IncidentIOEvent(json: incidentDelivery(index))
            _ = try await store.record(deliveryID: "msg_\(index)", event: event, receivedAt: Date())
        }
    } setup: {
        let database = try InquestDatabase.open(path: directory.appendingPathComponent("bench.sqlite").path)
        store.withLock { $0 = IncidentStore(database: database, queue: InvestigationStore(), policy: InvestigationPolicy()) }
    } teardown: {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Signed deliveries through the real HTTP stack (loopback, `buildApplication`) into SQLite: one at a time for
/// latency, and bursts of 16 concurrent deliveries for throughput.
func signedIngestBenchmarks() {
    let server = BenchmarkServer(port: 39_171)
    let sequence = Atomic<Int>(0)

    Benchmark("Signed ingest over HTTP, 1 at a time") { benchmark in
        for _ in benchmark.scaledIterations { try await deliver(sequence.add(1, ordering: .relaxed).newValue, to: server) }
    } setup: {
        try await server.start()
    } teardown: {
        await server.stop()
    }

    Benchmark("Signed ingest over HTTP, bursts of 16 concurrent") { benchmark in
        for _ in benchmark.scaledIterations {
            let first = sequence.add(16, ordering: .relaxed).newValue
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in first..<first + 16 { group.addTask { try await deliver(index, to: server) } }
                try await group.waitForAll()
            }
        }
    } setup: {
        try await server.start()
    } teardown: {
        await server.stop()
    }
}

/// One signed delivery of a new incident; anything but 202 fails the benchmark.
private func deliver(_ index: Int, to server: BenchmarkServer) async throws {
    let body = incidentDelivery(index)
    let signature = try SignatureVerifier.sign(
        id: "msg_\(index)", timestamp: server.timestamp, body: body, secret: server.webhookSecret)
    var request = HTTPClientRequest(url: server.url + "/api/incident-io/webhook")
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    request.headers.add(name: "webhook-id", value: "msg_\(index)")
    request.headers.add(name: "webhook-timestamp", value: String(server.timestamp))
    request.headers.add(name: "webhook-signature", value: signature)
    request.body = .bytes(ByteBuffer(data: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    guard response.status == .accepted else { throw BenchmarkServer.Failure.status(Int(response.status.code)) }
}
