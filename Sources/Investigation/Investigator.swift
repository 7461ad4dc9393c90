import Foundation
import GRDB
import Synchronization
import WebhookIn

/// Runs one investigation: reads the incident and the relevant slice of the change log, correlates, and
/// writes the findings up. Sends nothing.
public struct Investigator: Sendable {
    public let settings: CorrelationSettings
    private let configuredCatalog: ServiceCatalog
    private let cache = SharedCache()

    /// Shared by the copies of one investigator (the worker's tasks run it concurrently).
    private final class SharedCache: Sendable {
        private let value = Mutex<(seen: Int, correlator: Correlator)?>(nil)

        func withLock<T>(_ body: (inout (seen: Int, correlator: Correlator)?) -> T) -> T {
            value.withLock { body(&$0) }
        }
    }

    public init(settings: CorrelationSettings, catalog: ServiceCatalog) {
        self.settings = settings
        self.configuredCatalog = catalog
    }

    /// Investigates an incident against the change log as it is now.
    /// - Parameter fallbackStart: impact start when the incident carries no timestamp at all.
    public func investigate(_ incident: IncidentIOIncident, priority: Priority, fallbackStart: Date, in db: Database)
        throws -> Findings
    {
        try investigateRanking(incident, priority: priority, fallbackStart: fallbackStart, in: db).findings
    }

    /// The findings, and every candidate ranked (findings show only the leading ones): for measuring the ranking.
    /// - Parameter metrics: onsets and failures from the metrics queried for this incident (see ``metricPlan``).
    public func investigateRanking(
        _ incident: IncidentIOIncident, priority: Priority, fallbackStart: Date, metrics: MetricEvidence? = nil,
        in db: Database
    ) throws -> (findings: Findings, result: Correlator.Result) {
        let prepared = try prepare(incident, priority: priority, fallbackStart: fallbackStart, in: db)
        let correlator = prepared.correlator
        var (context, changes) = (prepared.context, prepared.changes)
        if let metrics, context.impactStartSource == "created_at" || context.impactStartSource == "time received",
            let onset = metrics.earliest(of: context.services) ?? (context.services.isEmpty ? metrics.onsets.first : nil),
            onset.at < context.impactStart, onset.at > correlator.window(for: context).lowerBound
        {
            // Without an "Impact started" time, the first metric to move is a better impact start than the declaration.
            context.impactStart = onset.at
            context.impactStartSource = "first metric onset: \(onset.description)"
            changes = try load(context, correlator: correlator, in: db)
        }
        let result = correlator.correlate(context, changes: changes, evidence: metrics)

        var previousVersions: [Int64: String] = [:]
        for candidate in result.candidates.prefix(3) where candidate.change.kind == .deploy {
            if let id = candidate.change.id,
                let version = try ChangeLog.previousVersion(
                    of: candidate.change.service, before: candidate.change.occurredAt, in: db)
            {
                previousVersions[id] = version
            }
        }
        return (
            Findings(
                incident: context, result: result, previousVersions: previousVersions, metrics: metrics,
                unreported: try unreported(context, catalog: correlator.catalog, in: db)),
            result
        )
    }

    /// How far back a service must have had a change for its changes to count as visible.
    static let reportingPeriod: TimeInterval = 30 * 86400

    /// The affected services and their direct dependencies with no change at all in the last 30 days: a change to
    /// one of them would not be in the log, and the findings say so instead of implying it was ruled out.
    private func unreported(_ context: IncidentContext, catalog: ServiceCatalog, in db: Database) throws -> [String] {
        var watched = context.services
        for service in context.services {
            for dependency in catalog.services[service]?.dependsOn ?? [] where !watched.contains(dependency) {
                watched.append(dependency)
            }
        }
        let reporting = try ChangeLog.reporting(
            watched, from: context.impactStart.addingTimeInterval(-Self.reportingPeriod), to: context.impactStart, in: db)
        return watched.filter { !reporting.contains($0) }
    }

    /// Which services' metrics to query for an incident, over which range: its own services and those of its
    /// leading candidates, from 30 min before the window (the baseline) to 15 min after impact start.
    public func metricPlan(_ incident: IncidentIOIncident, priority: Priority, fallbackStart: Date, in db: Database)
        throws -> (services: [String], range: ClosedRange<Date>, baselineEnd: Date)
    {
        let (context, correlator, changes) = try prepare(incident, priority: priority, fallbackStart: fallbackStart, in: db)
        let leading = correlator.correlate(context, changes: changes).candidates.prefix(3).map(\.change.service)
        var services = context.services
        for service in leading where !services.contains(service) { services.append(service) }
        let window = correlator.window(for: context)
        return (
            services, window.lowerBound.addingTimeInterval(-30 * 60)...context.impactStart.addingTimeInterval(15 * 60),
            window.lowerBound
        )
    }

    private func prepare(_ incident: IncidentIOIncident, priority: Priority, fallbackStart: Date, in db: Database) throws
        -> (context: IncidentContext, correlator: Correlator, changes: [Change])
    {
        let correlator = try self.correlator(in: db)
        let context = IncidentContext(
            incident: incident, priority: priority, catalog: correlator.catalog,
            defaultEnvironment: settings.defaultEnvironment, fallbackStart: fallbackStart)
        return (context, correlator, try load(context, correlator: correlator, in: db))
    }

    /// The configured catalog plus every service the change log has seen, and the correlator over it, kept while
    /// the set of seen services stays the same: building them for hundreds of services was most of an
    /// investigation's time.
    /// The change log only ever adds service names, so their count says whether the set changed.
    private func correlator(in db: Database) throws -> Correlator {
        let seen = try ChangeLog.serviceCount(in: db)
        if let cached = cache.withLock({ $0 }), cached.seen == seen { return cached.correlator }
        var catalog = configuredCatalog
        catalog.addSeen(try ChangeLog.serviceNames(in: db))
        let correlator = Correlator(settings: settings, catalog: catalog)
        cache.withLock { $0 = (seen, correlator) }
        return correlator
    }

    /// The slice of the change log an incident's correlation reads.
    private func load(_ context: IncidentContext, correlator: Correlator, in db: Database) throws -> [Change] {
        let catalog = correlator.catalog
        let window = correlator.window(for: context)
        if context.services.isEmpty {
            return try ChangeLog.changes(from: window.lowerBound, to: window.upperBound, services: nil, limit: 200, in: db)
        }
        // Every change to the affected services, their dependencies and shared infrastructure, with a margin around
        // the window so near misses can be explained; plus the most recent changes elsewhere.
        let related = catalog.neighbourhood(of: context.services).union(correlator.sharedServices)
        return try ChangeLog.changes(
            from: window.lowerBound.addingTimeInterval(-2 * 3600), to: window.upperBound.addingTimeInterval(3600),
            services: Array(related), limit: 1000, in: db)
            + ChangeLog.changes(
                from: window.lowerBound, to: window.upperBound, excluding: related,
                limit: settings.unrelatedCandidateLimit + 1, in: db)
    }
}
