import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/incident-io/webhook`: verify, decode, record, answer — and `GET /api/incidents/{id}` to look back.
///
/// The answer is sent only after the delivery is committed, so a 2xx always means "durably recorded" and
/// anything else makes incident.io retry with the same `webhook-id`.
public struct IncidentIOWebhookController: Sendable {
    /// Larger deliveries are refused before any parsing.
    public static let maxBodySize = 1 << 20

    private let verifier: SignatureVerifier
    private let store: IncidentStore
    private let queue: any InvestigationQueue
    private let database: any DatabaseReader
    private let readAccess: ReadAccess
    private let now: @Sendable () -> Date
    private let metrics: DeliveryMetrics

    public init(
        verifier: SignatureVerifier,
        store: IncidentStore,
        queue: any InvestigationQueue,
        database: any DatabaseReader,
        readAccess: ReadAccess,
        metrics: DeliveryMetrics = DeliveryMetrics(),
        now: @escaping @Sendable () -> Date
    ) {
        self.metrics = metrics
        self.verifier = verifier
        self.store = store
        self.queue = queue
        self.database = database
        self.readAccess = readAccess
        self.now = now
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/incident-io/webhook") { request, context in
            try await receive(request, context: context)
        }
        router.get("/api/incidents/{id}") { request, context in
            try readAccess.require(request)
            return try await show(id: context.parameters.require("id"), context: context)
        }
    }

    private static let source = "incident_io"

    private func receive(_ request: Request, context: some RequestContext) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodySize {
            metrics.record(Self.source, .rejected, reason: "too_large")
            throw HTTPError(.contentTooLarge, message: "body larger than 1 MiB")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodySize)
        } catch is NIOTooManyBytesError {
            metrics.record(Self.source, .rejected, reason: "too_large")
            throw HTTPError(.contentTooLarge, message: "body larger than 1 MiB")
        }
        let bytes = Data(buffer: body, byteTransferStrategy: .noCopy)

        let id = request.headers[Self.webhookID] ?? request.headers[Self.svixID]
        do throws(SignatureVerifier.Failure) {
            try verifier.verify(
                id: id,
                timestamp: request.headers[Self.webhookTimestamp] ?? request.headers[Self.svixTimestamp],
                signatures: request.headers[Self.webhookSignature] ?? request.headers[Self.svixSignature],
                body: bytes)
        } catch {
            context.logger.warning(
                "rejected incident.io delivery", metadata: ["reason": "\(error)", "webhook_id": "\(id ?? "-")"])
            metrics.record(Self.source, .rejected, reason: error.code)
            throw HTTPError(.unauthorized, message: error.description)
        }
        guard let id else {
            metrics.record(Self.source, .rejected, reason: SignatureVerifier.Failure.missingHeaders.code)
            throw HTTPError(.unauthorized, message: SignatureVerifier.Failure.missingHeaders.description)
        }

        let event: IncidentIOEvent
        do throws(IncidentIOEvent.DecodeError) {
            event = try IncidentIOEvent(json: bytes)
        } catch {
            context.logger.warning("undecodable incident.io delivery", metadata: ["reason": "\(error)", "webhook_id": "\(id)"])
            metrics.record(Self.source, .rejected, reason: "malformed")
            throw HTTPError(.badRequest, message: error.description)
        }

        let (outcome, notes) = try await store.record(deliveryID: id, event: event, receivedAt: now())
        for case .unknownSeverity(let name) in notes {
            context.logger.warning(
                "unknown severity; using the default priority",
                metadata: ["severity": "\(name ?? "none")", "incident_id": "\(event.incidentID ?? "-")"])
        }
        switch outcome {
        case .accepted(let receipt):
            metrics.record(Self.source, .accepted)
            context.logger.info(
                "incident.io delivery recorded",
                metadata: [
                    "webhook_id": "\(id)", "event_type": "\(event.eventType)", "incident_id": "\(receipt.incidentID)",
                    "priority": "\(receipt.priority.rawValue)", "status": "\(receipt.status)",
                ])
            return try jsonResponse(receipt, status: .accepted)
        case .duplicate:
            metrics.record(Self.source, .duplicate)
            context.logger.info("replayed incident.io delivery ignored", metadata: ["webhook_id": "\(id)"])
            return try jsonResponse(["status": "duplicate"], status: .ok)
        case .ignored:
            metrics.record(Self.source, .ignored)
            context.logger.debug("incident.io event type ignored", metadata: ["event_type": "\(event.eventType)"])
            return try jsonResponse(["status": "ignored"], status: .accepted)
        }
    }

    private func show(id: String, context: some RequestContext) async throws -> Response {
        let found = try await database.read { db -> IncidentView? in
            guard let record = try IncidentRecord.fetchOne(db, key: id) else { return nil }
            let status = try record.investigationID.flatMap { try queue.status(ofInvestigation: $0, in: db) }
            return IncidentView(record: record, investigationStatus: status)
        }
        guard let found else { throw HTTPError(.notFound, message: "no incident \(id)") }
        return try jsonResponse(found, status: .ok)
    }

    private static let webhookID = HTTPField.Name("webhook-id")!
    private static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    private static let webhookSignature = HTTPField.Name("webhook-signature")!
    private static let svixID = HTTPField.Name("svix-id")!
    private static let svixTimestamp = HTTPField.Name("svix-timestamp")!
    private static let svixSignature = HTTPField.Name("svix-signature")!
}

/// An incident as `GET /api/incidents/{id}` shows it.
struct IncidentView: Encodable {
    var id: String
    var source: String
    var reference: String?
    var name: String?
    var severity: String?
    var priority: Priority
    var decision: String
    var investigationID: Int64?
    var investigationStatus: String?
    var firstSeenAt: String
    var lastEventAt: String

    init(record: IncidentRecord, investigationStatus: String?) {
        id = record.id
        source = record.source
        reference = record.reference
        name = record.name
        severity = record.severity
        priority = record.priority
        decision = record.decision
        investigationID = record.investigationID
        self.investigationStatus = investigationStatus
        firstSeenAt = record.firstSeenAt.rfc3339
        lastEventAt = record.lastEventAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case id, source, reference, name, severity, priority, decision
        case investigationID = "investigation_id"
        case investigationStatus = "investigation_status"
        case firstSeenAt = "first_seen_at"
        case lastEventAt = "last_event_at"
    }
}
