import GRDB
import Hummingbird
import Logging
import WebhookIn

/// Turns every failure into `{"error": "..."}` with the right status.
///
/// Storage trouble (disk full, read-only file, lock timeout) answers 503 so a webhook sender retries rather than
/// believing a delivery was kept; anything unexpected is logged and answers a 500 that reveals nothing internal.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            var response = try jsonResponse(
                ["error": error.body ?? error.status.reasonPhrase.lowercased()], status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        } catch let error as DatabaseError where Self.unavailable.contains(error.resultCode) {
            context.logger.error(
                "storage unavailable", metadata: ["sqlite_code": "\(error.resultCode)", "path": "\(request.uri.path)"])
            return try jsonResponse(["error": "storage unavailable; retry later"], status: .serviceUnavailable)
        } catch let error as any HTTPResponseError {
            return try jsonResponse(["error": error.status.reasonPhrase.lowercased()], status: error.status)
        } catch {
            context.logger.error(
                "request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try jsonResponse(["error": "internal error"], status: .internalServerError)
        }
    }

    /// SQLite results that mean "the store cannot take writes right now", as opposed to a bug.
    private static var unavailable: [ResultCode] {
        [
            .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN,
        ]
    }
}
