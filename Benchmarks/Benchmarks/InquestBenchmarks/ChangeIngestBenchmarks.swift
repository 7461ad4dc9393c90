import AsyncHTTPClient
import Benchmark
import Foundation
import NIOCore
import Synchronization

/// `POST /api/changes` with batches of 1,000 new changes through HTTP into SQLite; changes/s is 1,000 × the
/// throughput figure.
func changeIngestBenchmarks() {
    let server = BenchmarkServer(port: 39_172)
    let batch = Atomic<Int>(0)

    Benchmark(
        "POST /api/changes, batches of 1,000",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let number = batch.add(1, ordering: .relaxed).newValue
            var request = HTTPClientRequest(url: server.url + "/api/changes")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "authorization", value: "Bearer \(server.ingestToken)")
            request.body = .bytes(ByteBuffer(data: changeBatch(number)))
            benchmark.startMeasurement()
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            benchmark.stopMeasurement()
            guard response.status == .created || response.status == .ok else {
                throw BenchmarkServer.Failure.status(Int(response.status.code))
            }
        }
    } setup: {
        try await server.start()
    } teardown: {
        await server.stop()
    }
}

/// 1,000 deploys across 50 services in the hour before the pinned clock.
private func changeBatch(_ number: Int) -> Data {
    var items: [String] = []
    items.reserveCapacity(1000)
    for index in 0..<1000 {
        let minute = 59 - index % 60
        items.append(
            """
            {"source":"ci","external_id":"bench-\(number)-\(index)","service":"svc-\(index % 50)","kind":"deploy",\
            "summary":"Deploy svc-\(index % 50) build \(number)","version":"\(number).\(index)","author":"bench",\
            "occurred_at":"2026-11-20T13:\(minute < 10 ? "0" : "")\(minute):00Z"}
            """)
    }
    return Data("{\"changes\":[\(items.joined(separator: ","))]}".utf8)
}
