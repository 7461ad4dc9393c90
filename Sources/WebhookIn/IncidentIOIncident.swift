/// The fields of incident.io's `WebhookIncidentV2` (and `IncidentV2` from its API) that Inquest uses.
///
/// Stored as JSON with the incident, so the investigation reads the same shape the webhook delivered.
public struct IncidentIOIncident: Codable, Sendable, Equatable {
    public struct Severity: Codable, Sendable, Equatable {
        public var name: String
        public var rank: Int?
    }

    public struct Status: Codable, Sendable, Equatable {
        public var name: String?
        public var category: String?
    }

    public struct CatalogEntry: Codable, Sendable, Equatable {
        public var name: String?
        public var externalID: String?
        public var aliases: [String]?

        enum CodingKeys: String, CodingKey {
            case name, aliases
            case externalID = "external_id"
        }
    }

    public struct Option: Codable, Sendable, Equatable {
        public var value: String?
    }

    public struct FieldValue: Codable, Sendable, Equatable {
        public var valueText: String?
        public var valueOption: Option?
        public var valueCatalogEntry: CatalogEntry?

        enum CodingKeys: String, CodingKey {
            case valueText = "value_text"
            case valueOption = "value_option"
            case valueCatalogEntry = "value_catalog_entry"
        }
    }

    public struct CustomField: Codable, Sendable, Equatable {
        public var name: String?
    }

    public struct CustomFieldEntry: Codable, Sendable, Equatable {
        public var customField: CustomField?
        public var values: [FieldValue]?

        enum CodingKeys: String, CodingKey {
            case values
            case customField = "custom_field"
        }
    }

    public struct TimestampValue: Codable, Sendable, Equatable {
        public struct Name: Codable, Sendable, Equatable {
            public var name: String?
            public init(name: String?) { self.name = name }
        }
        public struct Value: Codable, Sendable, Equatable {
            public var value: String?
            public init(value: String?) { self.value = value }
        }
        public var incidentTimestamp: Name?
        public var value: Value?

        public init(incidentTimestamp: Name? = nil, value: Value? = nil) {
            self.incidentTimestamp = incidentTimestamp
            self.value = value
        }

        enum CodingKeys: String, CodingKey {
            case value
            case incidentTimestamp = "incident_timestamp"
        }
    }

    public var id: String
    public var reference: String?
    public var name: String?
    public var summary: String?
    public var permalink: String?
    /// `standard | retrospective | test | tutorial`.
    public var mode: String?
    public var createdAt: String?
    public var updatedAt: String?
    public var severity: Severity?
    public var incidentStatus: Status?
    public var customFieldEntries: [CustomFieldEntry]?
    public var incidentTimestampValues: [TimestampValue]?
    /// Empty right after creation; filled in once incident.io has made the channel.
    public var slackChannelID: String?
    public var slackTeamID: String?

    public init(id: String) {
        self.id = id
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, name, summary, permalink, mode, severity
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case incidentStatus = "incident_status"
        case customFieldEntries = "custom_field_entries"
        case incidentTimestampValues = "incident_timestamp_values"
        case slackChannelID = "slack_channel_id"
        case slackTeamID = "slack_team_id"
    }
}
