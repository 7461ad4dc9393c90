import Logging
import ServiceLifecycle

/// Runs housekeeping (pruning old rows) at startup and then every `interval`, until graceful shutdown.
struct MaintenanceService: Service {
    struct Task: Sendable {
        let name: String
        let run: @Sendable () async throws -> Int
    }

    let interval: Duration
    let tasks: [Task]
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !_Concurrency.Task.isCancelled {
                for task in tasks {
                    do {
                        let removed = try await task.run()
                        if removed > 0 { logger.info("pruned", metadata: ["task": "\(task.name)", "rows": .stringConvertible(removed)]) }
                    } catch is CancellationError {
                        return
                    } catch {
                        logger.error("maintenance failed", metadata: ["task": "\(task.name)", "error": "\(error)"])
                    }
                }
                try? await _Concurrency.Task.sleep(for: interval)
            }
        }
    }
}
