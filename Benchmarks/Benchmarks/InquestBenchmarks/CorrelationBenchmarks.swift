import Benchmark
import Foundation
import GRDB
import InquestApp
import Investigation
import Synchronization
import WebhookIn

/// One investigation (catalog, window queries, scoring, findings) against change logs of 10k, 100k and 1M
/// changes spread over the 30 days of default retention, across 500 services.
///
/// The logs are built once and kept in the temp folder (`inquest-bench-changes-N.sqlite`), since a million
/// inserts take a while; delete them to rebuild.
func correlationBenchmarks() {
    for size in [10_000, 100_000, 1_000_000] {
        investigationBenchmark(changes: size, incident: checkoutIncident, label: "checkout-service incident")
    }
    investigationBenchmark(changes: 1_000_000, incident: unnamedIncident, label: "incident naming no service")
}

private let impactStart = Date(timeIntervalSince1970: 1_795_185_300)  // 2026-11-20T14:35:00Z

private let checkoutIncident = try! JSONDecoder().decode(
    IncidentIOIncident.self,
    from: Data(
        """
        {"id": "01BENCHCORRELATION", "name": "Checkout errors", "created_at": "2026-11-20T14:35:00Z",
         "custom_field_entries": [{"custom_field": {"name": "Affected services"},
           "values": [{"value_catalog_entry": {"name": "checkout-service", "external_id": "checkout-service"}}]}]}
        """.utf8))

private let unnamedIncident = try! JSONDecoder().decode(
    IncidentIOIncident.self,
    from: Data(#"{"id": "01BENCHUNNAMED", "name": "Customers report errors", "created_at": "2026-11-20T14:35:00Z"}"#.utf8))

private func investigationBenchmark(changes size: Int, incident: IncidentIOIncident, label: String) {
    let database = Mutex<DatabasePool?>(nil)
    let investigator = Investigator(
        settings: CorrelationSettings(),
        catalog: ServiceCatalog(services: [.init(name: "checkout-service", dependsOn: ["payment-gateway"])]))

    Benchmark("Investigate, \(label), \(size / 1000)k changes in the log") { benchmark in
        let database = database.withLock { $0 }!
        for _ in benchmark.scaledIterations {
            let findings = try await database.read { db in
                try investigator.investigate(incident, priority: .p1, fallbackStart: impactStart, in: db)
            }
            blackHole(findings)
        }
    } setup: {
        let pool = try await changeLog(size: size)
        database.withLock { $0 = pool }
    } teardown: {
        try database.withLock { $0 }?.close()
    }
}

/// A change log of `size` changes over the 30 days before impact start, evenly across 500 services plus
/// checkout-service and payment-gateway, with a deterministic mix of kinds.
private func changeLog(size: Int) async throws -> DatabasePool {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-bench-changes-\(size).sqlite").path
    let pool = try InquestDatabase.open(path: path)
    if try await pool.read({ db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes") }) == size { return pool }
    try await pool.write { db in try db.execute(sql: "DELETE FROM changes") }

    let services = ["checkout-service", "payment-gateway"] + (0..<500).map { "svc-\($0)" }
    let kinds: [ChangeKind] = [.deploy, .deploy, .deploy, .config, .featureFlag, .infra, .rollback, .other]
    let span = 30.0 * 86400
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {  // xorshift: the same log on every run
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    let log = ChangeLog(database: pool)
    for start in stride(from: 0, to: size, by: 10_000) {
        var batch: [Change] = []
        for index in start..<min(start + 10_000, size) {
            let service = services[Int(next() % UInt64(services.count))]
            let offset = Double(next() % UInt64(span)) - 600  // up to 10 min after impact start
            let kind = kinds[Int(next() % UInt64(kinds.count))]
            batch.append(
                Change(
                    source: "bench", externalID: "change-\(index)", service: service, environment: "production",
                    kind: kind, summary: "\(kind.rawValue) \(service) #\(index)", version: "1.\(index)",
                    occurredAt: impactStart.addingTimeInterval(-offset)))
        }
        _ = try await log.ingest(batch)
    }
    return pool
}
