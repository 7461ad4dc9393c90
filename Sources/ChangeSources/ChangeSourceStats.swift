import Foundation
import GRDB
import WebhookIn

/// What each change source has sent and which services the change log covers: `GET /api/changes/sources`.
public struct ChangeSourceStats: Sendable {
    /// One source's deliveries since it was first configured.
    public struct Source: Sendable, Equatable, Encodable {
        public var name: String
        public var configured: Bool
        public var lastDeliveryAt: Date?
        public var recorded = 0
        public var duplicates = 0
        public var ignored = 0
        /// By reason: `invalid_signature`, `missing_signature`, `malformed`, `too_large`.
        public var rejected: [String: Int] = [:]
        /// Subjects that matched no catalog service, recorded under their own name, most recent first.
        public var unmapped: [String] = []

        enum CodingKeys: String, CodingKey {
            case name, configured, recorded, duplicates, ignored, rejected, unmapped
            case lastDeliveryAt = "last_delivery_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(configured, forKey: .configured)
            try container.encode(lastDeliveryAt?.rfc3339, forKey: .lastDeliveryAt)
            try container.encode(recorded, forKey: .recorded)
            try container.encode(duplicates, forKey: .duplicates)
            try container.encode(ignored, forKey: .ignored)
            try container.encode(rejected, forKey: .rejected)
            try container.encode(unmapped, forKey: .unmapped)
        }
    }

    /// A catalog service and the sources whose changes reached it in the period.
    public struct Service: Sendable, Equatable, Encodable {
        public var name: String
        public var sources: [String]
        public var lastChangeAt: Date?

        enum CodingKeys: String, CodingKey {
            case name, sources
            case lastChangeAt = "last_change_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(sources, forKey: .sources)
            try container.encode(lastChangeAt?.rfc3339, forKey: .lastChangeAt)
        }
    }

    public struct Report: Sendable, Equatable, Encodable {
        public var periodDays: Int
        public var sources: [Source]
        public var services: [Service]
        /// Catalog services no source reported for in the period: a change there would be invisible.
        public var uncovered: [String]

        enum CodingKeys: String, CodingKey {
            case sources, services, uncovered
            case periodDays = "period_days"
        }
    }

    private let database: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Counts one delivery, in the caller's transaction; `unmapped` is the subject of a change that matched no service.
    func record(
        source: String, outcome: DeliveryMetrics.Outcome, reason: String = "", unmapped: String? = nil, at now: Date,
        in db: Database
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO change_source_deliveries (source, outcome, reason, count, last_at) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT DO UPDATE SET count = count + 1, last_at = MAX(last_at, excluded.last_at)
                """
        ).execute(arguments: [source, outcome.rawValue, reason, now.unixTime])
        if let unmapped {
            try db.cachedStatement(
                sql: """
                    INSERT INTO change_source_unmapped (source, subject, count, last_at) VALUES (?, ?, 1, ?)
                    ON CONFLICT DO UPDATE SET count = count + 1, last_at = MAX(last_at, excluded.last_at)
                    """
            ).execute(arguments: [source, unmapped, now.unixTime])
        }
    }

    /// Every supported source, and which of `services` had changes from which source in the `days` before `now`.
    public func report(configured: Set<String>, services: [String], days: Int = 30, now: Date) async throws -> Report {
        try await database.read { db in
            var sources = Dictionary(
                uniqueKeysWithValues: ChangeSourceController.supported.map {
                    ($0, Source(name: $0, configured: configured.contains($0)))
                })
            for row in try Row.fetchAll(db, sql: "SELECT source, outcome, reason, count, last_at FROM change_source_deliveries") {
                let name: String = row["source"]
                guard var source = sources[name] else { continue }
                let count: Int = row["count"]
                switch DeliveryMetrics.Outcome(rawValue: row["outcome"]) {
                case .accepted: source.recorded += count
                case .duplicate: source.duplicates += count
                case .ignored: source.ignored += count
                case .rejected: source.rejected[row["reason"], default: 0] += count
                case nil: break
                }
                let last = Date(timeIntervalSince1970: row["last_at"])
                source.lastDeliveryAt = max(source.lastDeliveryAt ?? last, last)
                sources[name] = source
            }
            for row in try Row.fetchAll(db, sql: "SELECT source, subject FROM change_source_unmapped ORDER BY last_at DESC") {
                sources[row["source"]]?.unmapped.append(row["subject"])
            }

            let since = now.addingTimeInterval(-Double(days) * 86400)
            var reported: [String: (sources: Set<String>, last: Date)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT service, source, MAX(occurred_at) AS last FROM changes WHERE occurred_at >= ? GROUP BY service, source",
                arguments: [since.unixTime])
            {
                let last = Date(timeIntervalSince1970: row["last"])
                var entry = reported[row["service"], default: ([], last)]
                entry.sources.insert(row["source"])
                entry.last = max(entry.last, last)
                reported[row["service"]] = entry
            }
            let covered = services.map { name in
                Service(name: name, sources: reported[name]?.sources.sorted() ?? [], lastChangeAt: reported[name]?.last)
            }
            return Report(
                periodDays: days, sources: ChangeSourceController.supported.compactMap { sources[$0] }, services: covered,
                uncovered: covered.filter(\.sources.isEmpty).map(\.name))
        }
    }
}
