import Foundation

/// Decides, from an incident's severity and mode, what priority it gets and whether it is investigated.
///
/// Pure and synchronous so every rule is unit-testable; the webhook handler only carries out what it returns.
public struct InvestigationPolicy: Sendable, Equatable {
    /// Why an incident was recorded without queueing an investigation.
    public enum SkipReason: String, Sendable, Equatable {
        case belowThreshold = "below threshold"
        case autoInvestigateOff = "auto_investigate off"
        case testIncident = "test incident"
        case privateIncident = "private incident: no incident.io API key configured to fetch it"
    }

    public enum Decision: Sendable, Equatable {
        case investigate
        case skip(SkipReason)
    }

    /// Severity names, lowercased, to priorities. incident.io severity names are per organisation.
    public var severityMap: [String: Priority]
    /// Priority for a severity name the map does not know, or an incident with no severity.
    public var defaultPriority: Priority
    /// The least urgent priority still investigated.
    public var threshold: Priority
    public var autoInvestigate: Bool
    /// When false, the threshold is ignored and every incident is investigated.
    public var skipLowSeverity: Bool
    public var investigateTestIncidents: Bool
    /// The least time between the starts of two investigations of one incident. Updates — our own write-backs
    /// among them — arrive all the time; only a severity raise re-investigates, and not more often than this.
    public var reinvestigationCooldown: Duration
    /// Whether a `private_incident.*` delivery (only an id) is completed by reading the incident from the API.
    public var fetchPrivateIncidents: Bool

    public init(
        severityMap: [String: Priority] = Self.defaultSeverityMap,
        defaultPriority: Priority = .p2,
        threshold: Priority = .p2,
        autoInvestigate: Bool = true,
        skipLowSeverity: Bool = true,
        investigateTestIncidents: Bool = false,
        reinvestigationCooldown: Duration = .seconds(600),
        fetchPrivateIncidents: Bool = false
    ) {
        self.severityMap = Dictionary(uniqueKeysWithValues: severityMap.map { ($0.key.lowercased(), $0.value) })
        self.defaultPriority = defaultPriority
        self.threshold = threshold
        self.autoInvestigate = autoInvestigate
        self.skipLowSeverity = skipLowSeverity
        self.investigateTestIncidents = investigateTestIncidents
        self.reinvestigationCooldown = reinvestigationCooldown
        self.fetchPrivateIncidents = fetchPrivateIncidents
    }

    public static let defaultSeverityMap: [String: Priority] = [
        "critical": .p0, "high": .p1, "medium": .p2, "low": .p3,
    ]

    /// The priority for a severity name, and whether the name was known (an unknown one deserves a warning).
    public func priority(forSeverity name: String?) -> (priority: Priority, known: Bool) {
        guard let name, let priority = severityMap[name.lowercased()] else { return (defaultPriority, false) }
        return (priority, true)
    }

    /// `mode` is incident.io's `standard | retrospective | test | tutorial`.
    public func decide(priority: Priority, mode: String?) -> Decision {
        if mode == "test" || mode == "tutorial", !investigateTestIncidents { return .skip(.testIncident) }
        if !autoInvestigate { return .skip(.autoInvestigateOff) }
        if skipLowSeverity, priority > threshold { return .skip(.belowThreshold) }
        return .investigate
    }

    /// When an incident already investigated at `investigated` priority, now at `current`, is investigated again:
    /// nil unless the severity was raised; otherwise now, or once the cooldown since `lastStart` has passed.
    public func reinvestigation(investigated: Priority, current: Priority, lastStart: Date, now: Date) -> Date? {
        guard current < investigated else { return nil }
        return max(now, lastStart.addingTimeInterval(Double(reinvestigationCooldown.components.seconds)))
    }
}
