import GRDB
import Hummingbird
import WebhookIn

/// `GET /healthz` says the process answers; `GET /readyz` says the database does too, and is still the file on disk.
struct HealthController: Sendable {
    let database: any DatabaseReader
    let file: DatabaseFileGuard

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            try jsonResponse(["status": "ok"], status: .ok)
        }
        router.get("/readyz") { _, _ in
            if let problem = file.problem {
                return try jsonResponse(["status": "unavailable", "error": problem], status: .serviceUnavailable)
            }
            _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return try jsonResponse(["status": "ready"], status: .ok)
        }
    }
}
