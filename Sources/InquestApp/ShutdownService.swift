import ServiceLifecycle

/// Closes a resource after graceful shutdown has begun.
///
/// Added first to the application's services, so the service group — which stops services in reverse order —
/// closes it only after the HTTP server has finished its in-flight requests and the workers have stopped.
struct ShutdownService: Service {
    let name: String
    let close: @Sendable () async throws -> Void

    func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}
