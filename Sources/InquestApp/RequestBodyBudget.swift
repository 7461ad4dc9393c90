import HTTPTypes
import Hummingbird
import Synchronization

/// Bounds the request bytes held in memory across all connections.
///
/// Each request reserves its `Content-Length` (or the largest body any route accepts, when the length is not
/// declared) before its handler reads the body, and releases it once answered; a request that does not fit
/// answers 503 with `Retry-After` at once, so a flood of half-sent bodies cannot grow memory without bound.
final class RequestBodyBudget: Sendable {
    /// The largest body any route accepts (`POST /api/changes`).
    static let largestBody = 4 << 20

    private let capacity: Int
    private let reserved = Mutex(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// True when `bytes` fit; the caller must `release` them later.
    func reserve(_ bytes: Int) -> Bool {
        reserved.withLock { used in
            guard used + bytes <= capacity else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        reserved.withLock { $0 -= bytes }
    }
}

struct RequestBodyBudgetMiddleware<Context: RequestContext>: RouterMiddleware {
    let budget: RequestBodyBudget

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let bytes: Int
        if let length = request.headers[.contentLength].flatMap(Int.init) {
            guard length <= RequestBodyBudget.largestBody else {
                throw HTTPError(.contentTooLarge, message: "body larger than \(RequestBodyBudget.largestBody >> 20) MiB")
            }
            bytes = length
        } else if request.headers[.transferEncoding] != nil {
            bytes = RequestBodyBudget.largestBody
        } else {
            bytes = 0
        }
        guard bytes > 0 else { return try await next(request, context) }
        guard budget.reserve(bytes) else {
            context.logger.warning("request refused: too many request bodies in flight", metadata: ["bytes": "\(bytes)"])
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "1"], message: "too many request bodies in flight; retry later")
        }
        defer { budget.release(bytes) }
        return try await next(request, context)
    }
}
