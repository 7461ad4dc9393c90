import Foundation
import GRDB

/// What kind of change a change-log entry records. The kind sets the prior likelihood that such a change
/// causes an incident (see `docs/correlation.md`).
public enum ChangeKind: String, Sendable, Codable, CaseIterable {
    case deploy
    case config
    case featureFlag = "feature_flag"
    case infra
    case rollback
    /// A one-off or maintenance script (a cleanup, a backfill, a migration run by hand).
    case script
    /// An automated system acting on its own: autoscaling, auto-remediation, quota enforcement.
    case automation
    /// Planned maintenance work: hardware, network or database maintenance windows.
    case maintenance
    /// A person running a command or a runbook step against production.
    case `operator`
    case other
}

/// One entry of the change log: a deploy, config change, flag flip or infrastructure change.
public struct Change: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "changes"
    // Unix seconds, like every table here (see `Date.unixTime`).
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    public var id: Int64?
    /// Where it came from (`github-actions`, `argo`, `pagerduty`, `cli`); with `externalID`, unique.
    public var source: String
    public var externalID: String
    public var service: String
    public var environment: String?
    public var kind: ChangeKind
    public var summary: String
    public var version: String?
    public var author: String?
    public var url: String?
    public var occurredAt: Date
    /// Free-form JSON object.
    public var metadata: String?

    public init(
        id: Int64? = nil, source: String, externalID: String, service: String, environment: String? = nil,
        kind: ChangeKind, summary: String, version: String? = nil, author: String? = nil, url: String? = nil,
        occurredAt: Date, metadata: String? = nil
    ) {
        self.id = id
        self.source = source
        self.externalID = externalID
        self.service = service
        self.environment = environment
        self.kind = kind
        self.summary = summary
        self.version = version
        self.author = author
        self.url = url
        self.occurredAt = occurredAt
        self.metadata = metadata
    }

    /// Read column by column rather than through `Decodable`: an investigation reads up to a thousand changes, and
    /// the generic decoder made that a tenth of its time.
    public init(row: Row) throws {
        id = row["id"]
        source = row["source"]
        externalID = row["external_id"]
        service = row["service"]
        environment = row["environment"]
        let kindName: String = row["kind"]
        guard let kind = ChangeKind(rawValue: kindName) else {
            throw DatabaseError(message: "changes.kind \"\(kindName)\" is not a change kind")
        }
        self.kind = kind
        summary = row["summary"]
        version = row["version"]
        author = row["author"]
        url = row["url"]
        occurredAt = Date(timeIntervalSince1970: row["occurred_at"])
        metadata = row["metadata"]
    }

    enum CodingKeys: String, CodingKey {
        case id, source, service, environment, kind, summary, version, author, url, metadata
        case externalID = "external_id"
        case occurredAt = "occurred_at"
    }

    /// `url` when it is an http(s) address, fit to put in an HTML, Markdown or Slack link: characters that end or
    /// split a link there (`|`, `<`, `>`, `(`, `)`, quotes, spaces) are percent-encoded. Nil for any other scheme
    /// (`javascript:`, `data:`), so a change sender cannot make a link run code.
    public var linkURL: String? {
        guard let url, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else { return nil }
        var safe = ""
        for scalar in url.unicodeScalars {
            if "|<>()\"' `\\".unicodeScalars.contains(scalar) || scalar.value < 0x21 || scalar.value == 0x7F {
                safe += String(format: "%%%02X", scalar.value)
            } else {
                safe.unicodeScalars.append(scalar)
            }
        }
        return safe
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
