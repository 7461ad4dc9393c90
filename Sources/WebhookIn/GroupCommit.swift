import CoreMetrics
import GRDB
import Synchronization

/// Batches concurrent writes into one SQLite transaction ("group commit").
///
/// Under a burst of deliveries most of the cost of a write is the transaction itself: the hop onto the
/// writer, and the WAL frames of the same few pages written again for every commit. Work that arrives while a
/// transaction is running waits for it and then goes into the next one together, each item in its own savepoint so
/// one failing item cannot undo the others. Every caller returns only after the transaction holding its work has
/// committed.
///
/// The batches are committed from the writer's own queue, each drain queueing the next while work waits, so the
/// writer never idles until a caller has been scheduled to lead the next transaction (that hand-off left it idle
/// for most of each cycle under load). There is no task of its own: a drain starts when work arrives and none is
/// queued, and the last one ends when nothing waits.
final class GroupCommit<Output: Sendable>: Sendable {
    typealias Work = @Sendable (Database) throws -> Output

    private struct Waiter {
        var work: Work
        var ticket: Ticket
    }

    private struct State {
        var draining = false
        var waiting: [Waiter] = []
    }

    private let database: any DatabaseWriter
    private let state = Mutex(State())
    private let batchSize: Recorder

    init(database: any DatabaseWriter, batchSize: Recorder) {
        self.database = database
        self.batchSize = batchSize
    }

    /// Runs `work` in a write transaction, possibly shared with other callers', and returns its result once
    /// that transaction has committed.
    func write(_ work: @escaping Work) async throws -> Output {
        let ticket = Ticket()
        let startDrain = state.withLock { state in
            state.waiting.append(Waiter(work: work, ticket: ticket))
            defer { state.draining = true }
            return !state.draining
        }
        if startDrain {
            database.asyncWriteWithoutTransaction { [self] db in drain(db) }
        }
        return try await ticket.wait().get()
    }

    /// Commits everything waiting in one transaction, then queues the next drain behind whatever other writes
    /// queued meanwhile (the investigation worker, the outbox), so a storm of deliveries cannot starve them.
    private func drain(_ db: Database) {
        let batch: [Waiter] = state.withLock { state in
            defer { state.waiting.removeAll(keepingCapacity: true) }
            return state.waiting
        }
        batchSize.record(batch.count)
        var results: [Result<Output, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try db.inTransaction {
                for waiter in batch {
                    var result: Result<Output, any Error>!
                    do {
                        try db.inSavepoint {
                            result = Result { try waiter.work(db) }
                            if case .failure = result { return .rollback }
                            return .commit
                        }
                    } catch {
                        result = .failure(error)
                    }
                    results.append(result)
                }
                return .commit
            }
        } catch {
            results = Array(repeating: .failure(error), count: batch.count)
        }
        for (waiter, result) in zip(batch, results) {
            waiter.ticket.resolve(result)
        }
        let more = state.withLock { state in
            if state.waiting.isEmpty { state.draining = false }
            return state.draining
        }
        if more {
            database.asyncWriteWithoutTransaction { [self] db in drain(db) }
        }
    }

    /// A one-shot hand-off that may be resolved before or after its caller starts waiting.
    private final class Ticket: Sendable {
        private enum Slot {
            case empty
            case waiting(CheckedContinuation<Result<Output, any Error>, Never>)
            case resolved(Result<Output, any Error>)
        }

        private let slot = Mutex(Slot.empty)

        func resolve(_ result: Result<Output, any Error>) {
            let continuation: CheckedContinuation<Result<Output, any Error>, Never>? = slot.withLock { slot in
                guard case .waiting(let continuation) = slot else {
                    slot = .resolved(result)
                    return nil
                }
                slot = .resolved(result)
                return continuation
            }
            continuation?.resume(returning: result)
        }

        func wait() async -> Result<Output, any Error> {
            await withCheckedContinuation { continuation in
                let ready: Result<Output, any Error>? = slot.withLock { slot in
                    guard case .resolved(let result) = slot else {
                        slot = .waiting(continuation)
                        return nil
                    }
                    return result
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
