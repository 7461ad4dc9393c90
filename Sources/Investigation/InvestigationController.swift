import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore
import WebhookIn

/// The change-log API (`POST`/`GET /api/changes`) and investigation lookups.
public struct InvestigationController: Sendable {
    private let database: any DatabaseWriter
    private let changeLog: ChangeLog
    private let input: ChangeInput
    private let ingestToken: BearerToken?
    private let readAccess: ReadAccess
    private let now: @Sendable () -> Date
    private let metrics: DeliveryMetrics
    private let pageURL: @Sendable (Int64) -> String?

    /// - Parameters:
    ///   - ingestToken: required on `POST /api/changes`; nil leaves ingest disabled (403).
    ///   - pageURL: an investigation's signed page link, shown to readers with the read or admin token.
    public init(
        database: any DatabaseWriter, input: ChangeInput, ingestToken: BearerToken?, readAccess: ReadAccess,
        metrics: DeliveryMetrics = DeliveryMetrics(), pageURL: @escaping @Sendable (Int64) -> String? = { _ in nil },
        now: @escaping @Sendable () -> Date
    ) {
        self.pageURL = pageURL
        self.metrics = metrics
        self.readAccess = readAccess
        self.database = database
        self.changeLog = ChangeLog(database: database)
        self.input = input
        self.ingestToken = ingestToken
        self.now = now
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/changes") { request, context in try await ingest(request, context: context) }
        router.get("/api/changes") { request, _ in
            try readAccess.require(request)
            return try await list(request)
        }
        router.get("/api/investigations/{id}") { request, context in
            let token = try readAccess.linkToken(request)
            guard let id = Int64(try context.parameters.require("id")) else {
                throw HTTPError(.badRequest, message: "investigation id must be a number")
            }
            return try await show(
                where: "id = ?", [id.databaseValue], request: request, linkToken: token, missing: "no investigation \(id)")
        }
        router.get("/api/incidents/{id}/investigation") { request, context in
            let token = try readAccess.linkToken(request)
            let id = try context.parameters.require("id")
            return try await show(
                where: "incident_id = ? ORDER BY id DESC", [id.databaseValue], request: request, linkToken: token,
                missing: "no investigation for incident \(id)")
        }
    }

    private func ingest(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let ingestToken else {
            throw HTTPError(.forbidden, message: "change ingest is disabled: set changes.ingest_token in the config")
        }
        guard ingestToken.accepts(request.headers) else {
            metrics.record("changes", .rejected, reason: "token")
            throw HTTPError(.unauthorized, message: "missing or wrong bearer token")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 4 << 20)
        } catch is NIOTooManyBytesError {
            metrics.record("changes", .rejected, reason: "too_large")
            throw HTTPError(.contentTooLarge, message: "body larger than 4 MiB")
        }
        let changes: [Change]
        do throws(ChangeInput.Invalid) {
            changes = try input.changes(fromJSON: Data(buffer: body), receivedAt: now())
        } catch {
            metrics.record("changes", .rejected, reason: error.malformed ? "malformed" : "invalid")
            return try jsonResponse(
                InvalidBody(error: error.problems.first ?? "invalid", errors: error.problems),
                status: error.malformed ? .badRequest : .unprocessableContent)
        }
        let result = try await changeLog.ingest(changes)
        metrics.record("changes", result.inserted > 0 ? .accepted : .duplicate)
        context.logger.info(
            "changes ingested", metadata: ["inserted": .stringConvertible(result.inserted), "duplicates": .stringConvertible(result.duplicates)])
        return try jsonResponse(result, status: result.inserted > 0 ? .created : .ok)
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let until = try query.get("until").map { try Self.date($0, "until") } ?? now()
        let since = try query.get("since").map { try Self.date($0, "since") } ?? until.addingTimeInterval(-86400)
        guard let limit = Int(query.get("limit") ?? "100"), (1...1000).contains(limit) else {
            throw HTTPError(.badRequest, message: "limit must be a number from 1 to 1000")
        }
        let services = query.get("service").map { $0.split(separator: ",").map(String.init) }
        let changes = try await changeLog.changes(from: since, to: until, services: services, limit: limit)
        return try jsonResponse(["changes": changes.map(ChangeView.init)], status: .ok)
    }

    /// - Parameter linkToken: a page link's token the found investigation must match; nil when a bearer token
    ///   already admitted the request. A token for a missing investigation answers 401 too, so a link cannot probe
    ///   for other ids.
    private func show(
        where condition: String, _ arguments: [DatabaseValue], request: Request, linkToken: String?, missing: String
    ) async throws -> Response {
        let row = try await database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT id, incident_id, status, reason, priority, attempts, queued_at, started_at, finished_at,
                        error, findings FROM investigations WHERE \(condition) LIMIT 1
                    """,
                arguments: StatementArguments(arguments)
            ).map(StoredInvestigation.init(row:))
        }
        if linkToken != nil, row == nil { try readAccess.check(linkToken: linkToken, investigationID: -1) }
        guard let row else { throw HTTPError(.notFound, message: missing) }
        try readAccess.check(linkToken: linkToken, investigationID: row.id)
        let findingsJSON = row.findings
        // A bearer-token reader gets the page link to share; a link's own reader already has it.
        let page = linkToken == nil ? pageURL(row.id) : nil
        if request.headers[.accept]?.contains("text/markdown") == true {
            guard let findingsJSON, let findings = try? JSONDecoder.findings.decode(Findings.self, from: Data(findingsJSON.utf8))
            else {
                return Response(
                    status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "Investigation \(row.id) is \(row.status).\n")))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: findings.markdown + (page.map { "\n[Investigation page](\($0))\n" } ?? ""))))
        }
        var object: [String: Any] = [
            "id": row.id, "incident_id": row.incidentID, "status": row.status, "reason": row.reason,
            "priority": row.priority, "attempts": row.attempts, "queued_at": row.queuedAt.rfc3339,
        ]
        object["started_at"] = row.startedAt?.rfc3339
        object["finished_at"] = row.finishedAt?.rfc3339
        object["error"] = row.error
        object["page_url"] = page
        object["findings"] = try findingsJSON.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func date(_ text: String, _ name: String) throws -> Date {
        guard let date = Date(rfc3339: text) else {
            throw HTTPError(.badRequest, message: "\(name) must be an RFC 3339 timestamp such as 2026-11-20T14:00:00Z")
        }
        return date
    }

    /// An `investigations` row, read off the database connection before anything else is done with it.
    private struct StoredInvestigation: Sendable {
        var id: Int64
        var incidentID: String
        var status: String
        var reason: String
        var priority: String
        var attempts: Int
        var queuedAt: Date
        var startedAt: Date?
        var finishedAt: Date?
        var error: String?
        var findings: String?

        init(row: Row) {
            id = row["id"]
            incidentID = row["incident_id"]
            status = row["status"]
            reason = row["reason"]
            priority = row["priority"]
            attempts = row["attempts"]
            queuedAt = row["queued_at"]
            startedAt = row["started_at"]
            finishedAt = row["finished_at"]
            error = row["error"]
            findings = row["findings"]
        }
    }

    struct InvalidBody: Encodable {
        var error: String
        var errors: [String]
    }
}

/// A change as the API shows it, with RFC 3339 timestamps.
struct ChangeView: Encodable {
    let change: Change

    init(_ change: Change) { self.change = change }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Change.CodingKeys.self)
        try container.encode(change.id, forKey: .id)
        try container.encode(change.source, forKey: .source)
        try container.encode(change.externalID, forKey: .externalID)
        try container.encode(change.service, forKey: .service)
        try container.encode(change.environment, forKey: .environment)
        try container.encode(change.kind, forKey: .kind)
        try container.encode(change.summary, forKey: .summary)
        try container.encode(change.version, forKey: .version)
        try container.encode(change.author, forKey: .author)
        try container.encode(change.url, forKey: .url)
        try container.encode(change.occurredAt.rfc3339, forKey: .occurredAt)
        try container.encode(change.metadata, forKey: .metadata)
    }
}

extension JSONDecoder {
    /// Reads what ``JSONEncoder/findings`` wrote.
    public static var findings: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Date(rfc3339: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not RFC 3339"))
            }
            return date
        }
        return decoder
    }
}
