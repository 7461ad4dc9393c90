import Alerting
import Hummingbird
import Outbound
import WebhookIn

/// `GET /metrics`: the Prometheus text exposition, for the read or admin token (a bearer token Prometheus sends
/// with `authorization.credentials_file`). Queue depths are read from the database at each scrape.
struct MetricsController: Sendable {
    let telemetry: Telemetry
    let readAccess: ReadAccess
    let outbox: Outbox
    let escalations: Escalations?

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/metrics") { request, _ in
            try readAccess.require(request)
            let depth = try await outbox.depth()
            telemetry.setGauges(
                "inquest_outbox_messages", labels: ["state", "provider"],
                to: Dictionary(depth.map { ([$0.state, $0.provider], $0.count) }, uniquingKeysWith: +))
            if let escalations {
                telemetry.setGauges(
                    "inquest_escalations", labels: ["state"],
                    to: Dictionary(uniqueKeysWithValues: try await escalations.countsByState().map { ([$0.key], $0.value) }))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(string: telemetry.exposition())))
        }
    }
}
