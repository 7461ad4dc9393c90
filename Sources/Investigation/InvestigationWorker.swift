import CoreMetrics
import Foundation
import GRDB
import Logging
import ServiceLifecycle
import WebhookIn

/// Takes queued investigations from SQLite and runs them, `concurrency` at a time.
///
/// A job is claimed with a lease. If the process dies mid-job, the job is taken again when its lease expires or,
/// since one process owns the database, at the next start. Completion is guarded by the claim, so a job whose lease
/// was taken over is never completed twice. Failures retry with backoff, then end as `failed` with the error.
public struct InvestigationWorker: Service {
    public struct Settings: Sendable, Equatable {
        /// False queues investigations without running them (another process, or later, runs them).
        public var enabled = true
        public var concurrency = 2
        public var lease: Duration = .seconds(120)
        public var pollInterval: Duration = .milliseconds(200)
        public var maxAttempts = 5
        /// Backoff after attempt n is `retryBase × 2^(n-1)`, at most `retryCap`.
        public var retryBase: Duration = .seconds(5)
        public var retryCap: Duration = .seconds(300)

        public init() {}
    }

    /// A job this worker holds.
    struct Claim: Sendable {
        let id: Int64
        let incidentID: String
        let attempt: Int
    }

    private let database: any DatabaseWriter
    private let investigator: Investigator
    private let sink: (any FindingsSink)?
    private let metrics: (any MetricSource)?
    private let settings: Settings
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let telemetry: any MetricsFactory
    private let queued: Wakeup?
    private let finished: Wakeup?

    /// - Parameters:
    ///   - telemetry: receives `inquest_investigations_total{outcome}` and `inquest_investigation_duration_seconds`.
    ///   - queued: wakes the worker when an investigation is queued, instead of at its next poll.
    ///   - finished: signalled once findings are stored, when the sink has queued their delivery.
    public init(
        database: any DatabaseWriter, investigator: Investigator, sink: (any FindingsSink)?,
        metrics: (any MetricSource)? = nil, settings: Settings, now: @escaping @Sendable () -> Date, logger: Logger,
        telemetry: any MetricsFactory = NOOPMetricsHandler.instance, queued: Wakeup? = nil, finished: Wakeup? = nil
    ) {
        self.telemetry = telemetry
        self.queued = queued
        self.finished = finished
        self.database = database
        self.investigator = investigator
        self.sink = sink
        self.metrics = metrics
        self.settings = settings
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        guard settings.enabled else {
            // A service that returns ends the whole group: idle until shutdown instead.
            try? await gracefulShutdown()
            return
        }
        let recovered = try await database.write { db in
            try db.execute(sql: "UPDATE investigations SET status = 'queued', lease_expires_at = NULL WHERE status = 'running'")
            return db.changesCount
        }
        if recovered > 0 {
            logger.warning("re-queued investigations left running by a previous process", metadata: ["count": .stringConvertible(recovered)])
        }

        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, settings.concurrency) {
                group.addTask { await loop() }
            }
        }
    }

    private func loop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let ticket = queued?.ticket()
            do {
                if let claim = try await claimNext() {
                    try await runJob(claim)
                    continue
                }
            } catch is CancellationError {
                return  // shutting down: the lease runs out and the job is taken again
            } catch {
                logger.error("investigation worker error", metadata: ["error": "\(error)"])
            }
            if let queued, let ticket {
                await queued.wait(since: ticket, upTo: settings.pollInterval)
            } else {
                try? await Task.sleep(for: settings.pollInterval)
            }
        }
    }

    /// Claims the most urgent due job, if any. Public so tests and the CLI can drive the worker step by step.
    @discardableResult
    public func runOnce() async throws -> Bool {
        guard let claim = try await claimNext() else { return false }
        try await runJob(claim)
        return true
    }

    func claimNext() async throws -> Claim? {
        let now = now()
        let leaseEnd = now.addingTimeInterval(settings.lease.seconds)
        return try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        UPDATE investigations
                        SET status = 'running', attempts = attempts + 1, lease_expires_at = ?,
                            started_at = COALESCE(started_at, ?)
                        WHERE id = (
                            SELECT id FROM investigations
                            WHERE (status = 'queued' AND not_before <= ?) OR (status = 'running' AND lease_expires_at < ?)
                            ORDER BY priority, queued_at LIMIT 1)
                        RETURNING id, incident_id, attempts
                        """,
                    arguments: [leaseEnd.unixTime, now.unixTime, now.unixTime, now.unixTime])
            else { return nil }
            return Claim(id: row["id"], incidentID: row["incident_id"], attempt: row["attempts"])
        }
    }

    func runJob(_ claim: Claim) async throws {
        let started = now()
        let clock = ContinuousClock.now  // real elapsed time, whatever the injected clock says
        do {
            let (incident, priority, firstSeen) = try await database.read { db in
                guard let record = try IncidentRecord.fetchOne(db, key: claim.incidentID) else {
                    throw InvestigationError.incidentMissing(claim.incidentID)
                }
                return (try record.incident(), record.priority, record.firstSeenAt)
            }
            // Metrics are read between two database reads, never inside one: a slow Prometheus holds no connection.
            var evidence: MetricEvidence?
            if let metrics {
                let plan = try await database.read { db in
                    try investigator.metricPlan(incident, priority: priority, fallbackStart: firstSeen, in: db)
                }
                evidence = await MetricEvidence.gather(
                    from: metrics, services: plan.services, range: plan.range, baselineEnd: plan.baselineEnd)
            }
            let findings = try await database.read { [evidence] db in
                try investigator.investigateRanking(
                    incident, priority: priority, fallbackStart: firstSeen, metrics: evidence, in: db
                ).findings
            }
            let json = String(decoding: try JSONEncoder.findings.encode(findings), as: UTF8.self)
            let completed = try await database.write { db -> Bool in
                try db.execute(
                    sql: """
                        UPDATE investigations SET status = 'done', findings = ?, finished_at = ?, error = NULL,
                            lease_expires_at = NULL
                        WHERE id = ? AND status = 'running' AND attempts = ?
                        """,
                    arguments: [json, now().unixTime, claim.id, claim.attempt])
                guard db.changesCount == 1 else { return false }
                try sink?.investigationFinished(
                    id: claim.id, incidentID: claim.incidentID, findings: findings, startedAt: started, finishedAt: now(),
                    in: db)
                return true
            }
            count(completed ? "done" : "discarded")
            if completed {
                finished?.signal()
                Timer(label: "inquest_investigation_duration_seconds", factory: telemetry)
                    .recordNanoseconds((ContinuousClock.now - clock).nanoseconds)
                logger.info(
                    "investigation done",
                    metadata: [
                        "investigation_id": "\(claim.id)", "incident_id": "\(claim.incidentID)",
                        "top_cause":
                            "\(findings.suspectedCauses.first.map { "\($0.change.service) \($0.band.rawValue)" } ?? "none")",
                        "ms": .stringConvertible(Int(now().timeIntervalSince(started) * 1000)),
                    ])
            } else {
                logger.warning(
                    "investigation finished after its lease was taken over; result discarded",
                    metadata: ["investigation_id": "\(claim.id)"])
            }
        } catch {
            try await fail(claim, error: error)
        }
    }

    private func count(_ outcome: String) {
        Counter(label: "inquest_investigations_total", dimensions: [("outcome", outcome)], factory: telemetry).increment()
    }

    private func fail(_ claim: Claim, error: any Error) async throws {
        let message = "\(error)"
        let final = claim.attempt >= settings.maxAttempts
        let delay = min(settings.retryCap.seconds, settings.retryBase.seconds * pow(2, Double(claim.attempt - 1)))
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE investigations SET status = ?, error = ?, not_before = ?, lease_expires_at = NULL,
                        finished_at = CASE WHEN ? THEN ? ELSE NULL END
                    WHERE id = ? AND status = 'running' AND attempts = ?
                    """,
                arguments: [
                    final ? "failed" : "queued", message, now().addingTimeInterval(delay).unixTime, final, now().unixTime,
                    claim.id, claim.attempt,
                ])
        }
        count(final ? "failed" : "retry")
        logger.error(
            final ? "investigation failed" : "investigation attempt failed; will retry",
            metadata: ["investigation_id": "\(claim.id)", "attempt": .stringConvertible(claim.attempt), "error": "\(message)"])
    }
}

/// Why an investigation could not run.
public enum InvestigationError: Error, CustomStringConvertible {
    case incidentMissing(String)

    public var description: String {
        switch self {
        case .incidentMissing(let id): "incident \(id) is not in the database"
        }
    }
}

extension JSONEncoder {
    /// Findings as stored and served: RFC 3339 dates, stable key order.
    public static var findings: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.rfc3339)
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
