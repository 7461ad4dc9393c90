import GRDB
import Hummingbird
import WebhookIn

/// `GET /healthz` says the process answers; `GET /readyz` says the database does too.
struct HealthController: Sendable {
    let database: any DatabaseReader

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            try jsonResponse(["status": "ok"], status: .ok)
        }
        router.get("/readyz") { _, _ in
            _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return try jsonResponse(["status": "ready"], status: .ok)
        }
    }
}
