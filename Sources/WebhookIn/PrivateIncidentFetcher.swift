import Foundation
import Logging
import ServiceLifecycle

/// Completes `private_incident.*` deliveries, which carry only an id: reads each incident from incident.io's API
/// and hands it to the ``IncidentStore`` as if it had been delivered in full.
///
/// The webhook answers as soon as the request to read is stored; this service does the reading, so a slow API
/// never delays an answer and a restart resumes where it stopped.
public struct PrivateIncidentFetcher: Service {
    private let store: IncidentStore
    private let api: any IncidentReader
    private let pollInterval: Duration
    private let retryDelay: @Sendable (_ failures: Int) -> Duration
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// - Parameter retryDelay: how long to wait before reading an incident again after `failures` failed reads (the
    ///   outbox's backoff with jitter, in the application).
    public init(
        store: IncidentStore, api: any IncidentReader, pollInterval: Duration = .seconds(1),
        retryDelay: @escaping @Sendable (_ failures: Int) -> Duration, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.store = store
        self.api = api
        self.pollInterval = pollInterval
        self.retryDelay = retryDelay
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        var backoff: [String: (failures: Int, next: Date)] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runOnce(backoff: &backoff)
            } catch is CancellationError {
                return
            } catch {
                logger.error("private incident fetcher error", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// Reads every pending incident that is not backing off. Public so tests can drive it step by step.
    public func runOnce(backoff: inout [String: (failures: Int, next: Date)]) async throws {
        for pending in try await store.pendingFetches() where (backoff[pending.incidentID]?.next ?? .distantPast) <= now() {
            let metadata: Logger.Metadata = ["incident_id": "\(pending.incidentID)"]
            let incident: IncidentIOIncident
            do throws(IncidentReadFailure) {
                incident = try await api.incident(id: pending.incidentID)
            } catch .status(let code, _) where code == 404 || code == 401 || code == 403 {
                // Retrying cannot help: the incident is gone, or the key may not read private incidents.
                let reason =
                    code == 404
                    ? "private incident: incident.io has no incident \(pending.incidentID)"
                    : "private incident: the incident.io API key may not read it (HTTP \(code))"
                try await store.abandonFetch(pending, reason: reason)
                backoff[pending.incidentID] = nil
                logger.warning("private incident not investigated", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
                continue
            } catch {
                let failures = (backoff[pending.incidentID]?.failures ?? 0) + 1
                let delay = retryDelay(failures)
                backoff[pending.incidentID] = (failures, now().addingTimeInterval(delay.seconds))
                logger.warning(
                    "cannot read private incident from incident.io; will retry",
                    metadata: metadata.merging(["error": "\(error)", "retry_in_s": "\(Int(delay.seconds))"]) { $1 })
                continue
            }
            let (receipt, _) = try await store.completeFetch(pending, with: incident, at: now())
            backoff[pending.incidentID] = nil
            logger.info(
                "private incident read from incident.io",
                metadata: metadata.merging(["status": "\(receipt.status)", "priority": "\(receipt.priority.rawValue)"]) { $1 })
        }
    }
}
