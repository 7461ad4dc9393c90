import GRDB
import Logging
import ServiceLifecycle

/// Copies the write-ahead log back into the database file every `interval`, from a connection of its own.
///
/// SQLite's automatic checkpoint runs on the connection that commits, every 1,000 pages, and its fsync held up
/// every delivery queued behind that commit: under a burst, one delivery in a hundred waited half a second. A
/// passive checkpoint beside the writer takes no write lock, so writes go on while it copies. The writer's own
/// automatic checkpoint stays as a backstop, at ``InquestDatabase/writerCheckpointPages``, for when this one falls
/// behind.
struct WALCheckpointer: Service {
    let connection: DatabaseQueue
    let interval: Duration
    let logger: Logger

    init(path: String, interval: Duration = .milliseconds(200), logger: Logger) throws {
        self.connection = try DatabaseQueue(path: path)
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    try await checkpoint()
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // The writer's backstop checkpoint is running; the next turn catches up.
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
        try? connection.close()
    }

    /// One passive checkpoint: how many frames the log holds, and how many of them are now in the database file.
    @discardableResult
    func checkpoint() async throws -> (walFrameCount: Int, checkpointedFrameCount: Int) {
        try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }
}
