import Foundation
import Hummingbird
import WebhookIn

/// Notices when the database file the server has open is no longer the file at its path (deleted, or replaced).
///
/// SQLite keeps writing to an unlinked file without error, so every write would "succeed" and vanish at the next
/// restart. A 2xx must mean durably recorded: writes are checked after they commit and answer 503 instead, and
/// readiness fails, until an operator restarts the server on a real file.
struct DatabaseFileGuard: Sendable {
    private let path: String
    private let identity: FileIdentity

    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    init(path: String) throws {
        self.path = path
        guard let identity = Self.identity(of: path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.identity = identity
    }

    /// Nil when the file at the path is the one that was opened; otherwise what is wrong with it.
    var problem: String? {
        guard let current = Self.identity(of: path) else { return "database file \(path) was deleted" }
        return current == identity ? nil : "database file \(path) was replaced by another file"
    }

    private static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}

/// Answers 503 for a write whose database file has gone, whatever the handler said.
struct DatabaseFileGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let guardian: DatabaseFileGuard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        if let refusal = try refusal(context) { return refusal }
        let response = try await next(request, context)
        return try refusal(context) ?? response
    }

    private func refusal(_ context: Context) throws -> Response? {
        guard let problem = guardian.problem else { return nil }
        context.logger.critical("storage lost; refusing writes until restarted", metadata: ["problem": "\(problem)"])
        return try jsonResponse(["error": "storage unavailable; retry later"], status: .serviceUnavailable)
    }
}
