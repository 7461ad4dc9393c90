import Foundation
import GRDB

/// A row of `incidents`: the latest known state of an incident and what Inquest decided about it.
public struct IncidentRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "incidents"
    // Unix seconds, like every table here (see `Date.unixTime`).
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    public var id: String
    /// Where the incident came from: `incident_io`.
    public var source: String
    public var reference: String?
    public var name: String?
    public var severity: String?
    public var priority: Priority
    public var mode: String?
    public var statusCategory: String?
    public var slackChannelID: String?
    public var sourceCreatedAt: Date?
    public var sourceUpdatedAt: Date?
    /// The incident object as last delivered (or as read from the API), decoded as ``IncidentIOIncident``.
    public var payload: String
    /// `queued`, `fetching` or `skipped: <reason>`.
    public var decision: String
    public var investigationID: Int64?
    /// The priority the latest investigation was queued at; only a more urgent one re-investigates.
    public var investigatedPriority: Priority?
    /// When the latest investigation was due to start; the re-investigation cooldown counts from here.
    public var investigationQueuedAt: Date?
    /// The delivery that asked for the incident to be read from incident.io's API (a private incident), until read.
    public var fetchRequestedBy: String?
    public var firstSeenAt: Date
    public var lastEventAt: Date

    enum CodingKeys: String, CodingKey {
        case id, source, reference, name, severity, priority, mode, payload, decision
        case statusCategory = "status_category"
        case slackChannelID = "slack_channel_id"
        case sourceCreatedAt = "source_created_at"
        case sourceUpdatedAt = "source_updated_at"
        case investigationID = "investigation_id"
        case investigatedPriority = "investigated_priority"
        case investigationQueuedAt = "investigation_queued_at"
        case fetchRequestedBy = "fetch_requested_by"
        case firstSeenAt = "first_seen_at"
        case lastEventAt = "last_event_at"
    }

    /// The stored payload, decoded.
    public func incident() throws -> IncidentIOIncident {
        try JSONDecoder().decode(IncidentIOIncident.self, from: Data(payload.utf8))
    }
}
