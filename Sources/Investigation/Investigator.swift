import Foundation
import GRDB
import WebhookIn

/// Runs one investigation: reads the incident and the relevant slice of the change log, correlates, and
/// writes the findings up. Sends nothing.
public struct Investigator: Sendable {
    public let settings: CorrelationSettings
    private let configuredCatalog: ServiceCatalog

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
    public func investigateRanking(
        _ incident: IncidentIOIncident, priority: Priority, fallbackStart: Date, in db: Database
    ) throws -> (findings: Findings, result: Correlator.Result) {
        var catalog = configuredCatalog
        catalog.addSeen(try ChangeLog.serviceNames(in: db))
        let context = IncidentContext(
            incident: incident, priority: priority, catalog: catalog, defaultEnvironment: settings.defaultEnvironment,
            fallbackStart: fallbackStart)
        let correlator = Correlator(settings: settings, catalog: catalog)
        let window = correlator.window(for: context)

        var changes: [Change]
        if context.services.isEmpty {
            changes = try ChangeLog.changes(from: window.lowerBound, to: window.upperBound, services: nil, limit: 200, in: db)
        } else {
            // Every change to the affected services and their dependencies, with a margin around the window so
            // near misses can be explained; plus the most recent changes elsewhere.
            let related = catalog.neighbourhood(of: context.services)
                .union(catalog.services.keys.filter { correlator.isShared($0) })
            changes = try ChangeLog.changes(
                from: window.lowerBound.addingTimeInterval(-2 * 3600), to: window.upperBound.addingTimeInterval(3600),
                services: Array(related), limit: 1000, in: db)
            changes += try ChangeLog.changes(
                from: window.lowerBound, to: window.upperBound, excluding: related,
                limit: settings.unrelatedCandidateLimit + 1, in: db)
        }
        let result = correlator.correlate(context, changes: changes)

        var previousVersions: [Int64: String] = [:]
        for candidate in result.candidates.prefix(3) where candidate.change.kind == .deploy {
            if let id = candidate.change.id,
                let version = try ChangeLog.previousVersion(
                    of: candidate.change.service, before: candidate.change.occurredAt, in: db)
            {
                previousVersions[id] = version
            }
        }
        return (Findings(incident: context, result: result, previousVersions: previousVersions), result)
    }
}
