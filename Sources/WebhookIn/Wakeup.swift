import Synchronization

/// Wakes the loops that poll a queue as soon as something is put on it, instead of at their next poll: an
/// investigation queued by a webhook, an outbox message queued by findings or an alert. Polling stays as the
/// fallback (other processes, due times), so a missed signal only costs one poll interval.
///
/// An event count: a loop takes a ``Ticket`` before it looks at its queue and waits with it afterwards, and any
/// signal since the ticket ends the wait at once, however the two threads interleave. No work queued between the
/// look and the wait is left for a whole interval.
public final class Wakeup: Sendable {
    public struct Ticket: Sendable {
        fileprivate let generation: Int
    }

    private struct State {
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var next = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Take before looking at the queue.
    public func ticket() -> Ticket {
        Ticket(generation: state.withLock { $0.generation })
    }

    /// Wakes every loop waiting with an older ticket.
    public func signal() {
        let woken = state.withLock { state in
            defer { state.waiters.removeAll() }
            state.generation &+= 1
            return Array(state.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once there was a signal since `ticket`, after `timeout`, or when the task is cancelled.
    public func wait(since ticket: Ticket, upTo timeout: Duration) async {
        let id = state.withLock { state in
            defer { state.next &+= 1 }
            return state.generation == ticket.generation ? state.next : nil
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.signalled(id, since: ticket) }
            await group.next()
            group.cancelAll()
        }
    }

    private func signalled(_ id: Int, since ticket: Ticket) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.cancelled.remove(id) != nil || state.generation != ticket.generation { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                guard let continuation = state.waiters.removeValue(forKey: id) else {
                    // Not registered yet: registration sees this and returns at once. (Or already resumed by a
                    // signal: the entry is never read again.)
                    state.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return continuation
            }
            continuation?.resume()
        }
    }
}
