import CoreMetrics
import GRDB
import Synchronization

/// Batches concurrent writes into one SQLite transaction ("group commit").
///
/// Under a burst of deliveries most of the cost of a write is the transaction itself: the hop onto the
/// writer, and the WAL frames of the same few pages written again for every commit. Callers that arrive while
/// a transaction is running wait for it and then go together: the first of them leads the next transaction,
/// carrying everyone's work, each in its own savepoint so one failing item cannot undo the others. Every caller
/// still returns only after the transaction holding its work has committed.
///
/// There is no background task: the leader is always one of the callers, and leadership passes to a waiting
/// caller after each commit, so no caller serves others longer than one transaction.
final class GroupCommit<Output: Sendable>: Sendable {
    typealias Work = @Sendable (Database) throws -> Output

    private struct Waiter {
        var work: Work
        var ticket: Ticket
    }

    private struct State {
        var leading = false
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
        let ticket: Ticket? = state.withLock { state in
            guard state.leading else {
                state.leading = true
                return nil
            }
            let ticket = Ticket()
            state.waiting.append(Waiter(work: work, ticket: ticket))
            return ticket
        }
        if let ticket {
            switch await ticket.wait() {
            case .done(let result): return try result.get()
            case .lead: break
            }
        }
        return try await lead(work)
    }

    /// Commits the leader's own work together with everything waiting, then hands leadership on.
    private func lead(_ own: @escaping Work) async throws -> Output {
        let followers = state.withLock { state in
            defer { state.waiting.removeAll(keepingCapacity: true) }
            return state.waiting
        }
        let works = [own] + followers.map(\.work)
        batchSize.record(works.count)
        let results: [Result<Output, any Error>]
        do {
            results = try await database.write { db in
                works.map { work in
                    var result: Result<Output, any Error>!
                    do {
                        try db.inSavepoint {
                            result = Result { try work(db) }
                            if case .failure = result { return .rollback }
                            return .commit
                        }
                    } catch {
                        result = .failure(error)
                    }
                    return result
                }
            }
        } catch {
            results = Array(repeating: .failure(error), count: works.count)
        }
        for (follower, result) in zip(followers, results.dropFirst()) {
            follower.ticket.resolve(.done(result))
        }
        let next: Ticket? = state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.leading = false
                return nil
            }
            return state.waiting.removeFirst().ticket
        }
        next?.resolve(.lead)
        return try results[0].get()
    }

    private enum Wake: Sendable {
        case done(Result<Output, any Error>)
        /// The caller's work was not taken by the last transaction: it leads the next one.
        case lead
    }

    /// A one-shot hand-off that may be resolved before or after its caller starts waiting.
    private final class Ticket: Sendable {
        private enum Slot {
            case empty
            case waiting(CheckedContinuation<Wake, Never>)
            case resolved(Wake)
        }

        private let slot = Mutex(Slot.empty)

        func resolve(_ wake: Wake) {
            let continuation: CheckedContinuation<Wake, Never>? = slot.withLock { slot in
                guard case .waiting(let continuation) = slot else {
                    slot = .resolved(wake)
                    return nil
                }
                slot = .resolved(wake)
                return continuation
            }
            continuation?.resume(returning: wake)
        }

        func wait() async -> Wake {
            await withCheckedContinuation { continuation in
                let ready: Wake? = slot.withLock { slot in
                    guard case .resolved(let wake) = slot else {
                        slot = .waiting(continuation)
                        return nil
                    }
                    return wake
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
