import Hummingbird
import Investigation
import Logging
import Metrics

/// One JSON log line per request — method, route, path, status, duration — and the HTTP metrics. Outermost, so
/// that 401s, 404s and 413s are logged and counted too. The query string is never logged: page and ack links carry
/// their token there.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let telemetry: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: Int(response.status.code), since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context: context, status: Int(error.status.code), since: start)
            throw error
        } catch {
            record(request, context: context, status: 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        // The matched route, never the raw path, as a label: every distinct value is a new series.
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(
            label: "inquest_http_requests_total", dimensions: [("method", method), ("route", route), ("status", "\(status)")],
            factory: telemetry
        ).increment()
        Timer(label: "inquest_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: telemetry)
            .recordNanoseconds(elapsed.nanoseconds)
        context.logger.log(
            level: status >= 500 ? .error : .info, "request",
            metadata: [
                "method": "\(method)", "route": "\(route)", "path": "\(request.uri.path)",
                "status": .stringConvertible(status),
                "duration_ms": .stringConvertible((elapsed.seconds * 1000 * 100).rounded() / 100),
            ])
    }
}
