import Foundation
import GRDB
import Hummingbird
import Investigation
import Logging
import NIOCore
import WebhookIn

/// `POST /api/changes/<source>`: a change tool's signed webhook, verified by its own scheme, mapped to a catalog
/// service and written to the change log.
///
/// Answers: 201 recorded, 200 a redelivery already recorded, 202 an event skipped on purpose (so the sender does not
/// retry it), 401 a bad or missing signature, 400 a payload the source does not send, 413 too large, 404 a source
/// Inquest does not know, 403 one it knows but has no secret for.
public struct ChangeSourceController: Sendable {
    /// A source with its secrets in place, and how its subjects map to services.
    public struct Configured: Sendable {
        public var source: any ChangeSource
        public var mapping: ServiceMapping

        public init(source: any ChangeSource, mapping: ServiceMapping) {
            self.source = source
            self.mapping = mapping
        }
    }

    /// Every source Inquest has a receiver for, configured or not.
    public static let supported = ["github", "gitlab", "argocd", "flux", "launchdarkly", "terraform-cloud"]
    static let maxBodySize = 1 << 20

    private let sources: [String: Configured]
    private let database: any DatabaseWriter
    private let stats: ChangeSourceStats
    private let catalog: [String]
    private let readAccess: ReadAccess
    private let metrics: DeliveryMetrics
    private let now: @Sendable () -> Date

    /// - Parameter catalog: the configured services, for the coverage report.
    public init(
        sources: [Configured], database: any DatabaseWriter, catalog: [String], readAccess: ReadAccess,
        metrics: DeliveryMetrics = DeliveryMetrics(), now: @escaping @Sendable () -> Date
    ) {
        self.sources = Dictionary(sources.map { ($0.source.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.database = database
        self.stats = ChangeSourceStats(database: database)
        self.catalog = catalog
        self.readAccess = readAccess
        self.metrics = metrics
        self.now = now
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/changes/{source}") { request, context in
            try await receive(request, source: try context.parameters.require("source"), context: context)
        }
        router.get("/api/changes/sources") { request, _ in
            try readAccess.require(request)
            let days = try request.uri.queryParameters.get("days").map { text in
                guard let days = Int(text), (1...365).contains(days) else {
                    throw HTTPError(.badRequest, message: "days must be a number from 1 to 365")
                }
                return days
            }
            let report = try await stats.report(
                configured: Set(sources.keys), services: catalog, days: days ?? 30, now: now())
            return try jsonResponse(report, status: .ok)
        }
    }

    /// Counts a delivery that stores no change, in the metrics and in the coverage report.
    private func count(_ source: String, _ outcome: DeliveryMetrics.Outcome, reason: String = "") async throws {
        metrics.record(source, outcome, reason: reason)
        let now = now()
        try await database.write { db in try stats.record(source: source, outcome: outcome, reason: reason, at: now, in: db) }
    }

    private func receive(_ request: Request, source name: String, context: some RequestContext) async throws -> Response {
        guard let configured = sources[name] else {
            guard Self.supported.contains(name) else {
                throw HTTPError(
                    .notFound, message: "no change source \"\(name)\"; Inquest receives \(Self.supported.joined(separator: ", "))")
            }
            throw HTTPError(.forbidden, message: "change source \(name) is off: set changes.sources.\(name).secrets in the config")
        }
        let source = configured.source
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodySize {
            try await count(name, .rejected, reason: "too_large")
            throw HTTPError(.contentTooLarge, message: "body larger than 1 MiB")
        }
        let body: Data
        do {
            body = Data(buffer: try await request.body.collect(upTo: Self.maxBodySize), byteTransferStrategy: .noCopy)
        } catch is NIOTooManyBytesError {
            try await count(name, .rejected, reason: "too_large")
            throw HTTPError(.contentTooLarge, message: "body larger than 1 MiB")
        }

        let event: ChangeSourceEvent
        do throws(ChangeSourceRejection) {
            try source.authenticate(request.headers, body: body)
            event = try source.event(from: body, headers: request.headers)
        } catch {
            try await count(name, .rejected, reason: error.code)
            context.logger.warning("rejected change source delivery", metadata: ["source": "\(name)", "reason": "\(error)"])
            throw HTTPError(error.status == .unauthorized ? .unauthorized : .badRequest, message: error.description)
        }

        guard case .change(let reported) = event else {
            guard case .ignored(let reason) = event else { preconditionFailure("an event is a change or ignored") }
            try await count(name, .ignored)
            context.logger.debug("change source event ignored", metadata: ["source": "\(name)", "reason": "\(reason)"])
            return try jsonResponse(Answer(status: "ignored", reason: reason), status: .accepted)
        }
        let (target, mapped) = configured.mapping.target(for: reported)
        let service = target.service
        let change = Change(
            source: name, externalID: reported.eventID, service: service, environment: target.environment,
            kind: reported.kind, summary: reported.summary, version: reported.version, author: reported.author,
            url: reported.url, occurredAt: reported.occurredAt, metadata: try Self.json(reported.metadata, subject: reported.subject))
        let unmapped = mapped ? nil : reported.subject
        let now = now()
        // The change and its count in one transaction.
        let result = try await database.write { db in
            let result = try ChangeLog.ingest([change], in: db)
            try stats.record(
                source: name, outcome: result.inserted > 0 ? .accepted : .duplicate, unmapped: unmapped, at: now, in: db)
            return result
        }
        metrics.record(name, result.inserted > 0 ? .accepted : .duplicate)
        var answer = Answer(status: result.inserted > 0 ? "recorded" : "duplicate", service: service, mapped: mapped)
        if !mapped {
            answer.warning =
                "\"\(reported.subject)\" matches no catalog service and was recorded under that name; map it under changes.sources.\(name).services"
            context.logger.warning(
                "change for an unmapped subject", metadata: ["source": "\(name)", "subject": "\(reported.subject)"])
        }
        context.logger.info(
            "change recorded",
            metadata: ["source": "\(name)", "service": "\(service)", "event_id": "\(reported.eventID)", "new": "\(result.inserted > 0)"])
        return try jsonResponse(answer, status: result.inserted > 0 ? .created : .ok)
    }

    /// The event's own details, and the subject it was mapped from.
    private static func json(_ metadata: [String: String], subject: String) throws -> String {
        var all = metadata
        all["subject"] = subject
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(all), as: UTF8.self)
    }

    struct Answer: Encodable {
        var status: String
        var service: String?
        var mapped: Bool?
        var reason: String?
        var warning: String?
    }
}
