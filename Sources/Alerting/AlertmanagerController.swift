import Foundation
import Hummingbird
import Logging
import NIOCore
import Outbound
import WebhookIn

/// `POST /api/incidents`: Prometheus Alertmanager's webhook, with the Versus Incident query conventions.
///
/// The request only records and schedules — the Slack post and any page leave through the outbox — so a slow
/// provider never delays the answer, and a retried webhook maps to the same open incident instead of paging twice.
public struct AlertmanagerController: Sendable {
    public static let maxBodySize = 1 << 20

    private let store: AlertStore
    private let auth: AlertmanagerAuth
    private let now: @Sendable () -> Date
    private let metrics: DeliveryMetrics

    public init(
        store: AlertStore, auth: AlertmanagerAuth, metrics: DeliveryMetrics = DeliveryMetrics(),
        now: @escaping @Sendable () -> Date
    ) {
        self.metrics = metrics
        self.store = store
        self.auth = auth
        self.now = now
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/incidents") { request, context in
            try await receive(request, context: context)
        }
    }

    /// What the sender is told.
    struct Answer: Encodable {
        var incidentID: String?
        var status: String
        var escalatesAt: String?

        enum CodingKeys: String, CodingKey {
            case status
            case incidentID = "incident_id"
            case escalatesAt = "escalates_at"
        }
    }

    private func receive(_ request: Request, context: some RequestContext) async throws -> Response {
        guard auth.accepts(request.headers) else {
            metrics.record("alertmanager", .rejected, reason: "credentials")
            context.logger.warning("alert refused: missing or wrong credentials")
            throw HTTPError(.unauthorized, message: "missing or wrong credentials (bearer token or basic auth)")
        }
        let overrides: OncallOverrides
        do throws(OncallOverrides.Invalid) {
            overrides = try OncallOverrides(
                query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) { $1 },
                routes: store.routes)
        } catch {
            metrics.record("alertmanager", .rejected, reason: "query")
            context.logger.warning("alert refused: bad query parameter", metadata: ["error": "\(error.description)"])
            throw HTTPError(.badRequest, message: error.description)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodySize)
        } catch is NIOTooManyBytesError {
            metrics.record("alertmanager", .rejected, reason: "too_large")
            context.logger.warning("alert refused: body larger than 1 MiB")
            throw HTTPError(.contentTooLarge, message: "body larger than 1 MiB")
        }
        let data = Data(buffer: body, byteTransferStrategy: .noCopy)
        let payload: AlertmanagerPayload
        do throws(AlertmanagerPayload.DecodeError) {
            payload = try AlertmanagerPayload.decode(data)
        } catch {
            metrics.record("alertmanager", .rejected, reason: "malformed")
            context.logger.warning("alert refused: malformed body", metadata: ["error": "\(error.description)"])
            throw HTTPError(.badRequest, message: error.description)
        }

        let outcome = try await store.record(
            payload, body: String(decoding: data, as: UTF8.self), overrides: overrides, at: now())
        var metadata: Logger.Metadata = ["group_key": "\(payload.groupKey ?? "-")", "status": "\(payload.status ?? "-")"]
        switch outcome {
        case .opened(let id, let escalatesAt), .reopened(let id, let escalatesAt):
            let reopened = if case .reopened = outcome { true } else { false }
            metadata["incident_id"] = "\(id)"
            metadata["escalates_at"] = "\(escalatesAt?.rfc3339 ?? "never")"
            metrics.record("alertmanager", .accepted)
            context.logger.info(
                reopened ? "alert group fired again within the flap window; incident reopened" : "alert incident opened",
                metadata: metadata)
            return try jsonResponse(
                Answer(incidentID: id, status: reopened ? "firing again" : "firing", escalatesAt: escalatesAt?.rfc3339),
                status: reopened ? .ok : .created)
        case .repeated(let id):
            metrics.record("alertmanager", .duplicate)
            context.logger.info("alert group re-sent; incident already open", metadata: metadata)
            return try jsonResponse(Answer(incidentID: id, status: "already open"), status: .ok)
        case .resolved(let id):
            metrics.record("alertmanager", .accepted)
            context.logger.info("alert incident resolved", metadata: metadata.merging(["incident_id": "\(id)"]) { $1 })
            return try jsonResponse(Answer(incidentID: id, status: "resolved"), status: .ok)
        case .noOpenIncident:
            metrics.record("alertmanager", .ignored)
            return try jsonResponse(Answer(status: "ignored: no open incident for this group"), status: .ok)
        }
    }
}
