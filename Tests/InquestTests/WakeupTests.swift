import Foundation
import Testing
import WebhookIn

/// The signal that wakes polling loops when work is queued. Each wait has a long timeout, so a wait that returns
/// well before it was ended by the signal, not by the clock.
@Suite struct WakeupTests {
    static let long = Duration.seconds(30)

    @Test func aSignalAfterTheTicketEndsTheWaitWhenEverItComes() async {
        let wakeup = Wakeup()
        let started = ContinuousClock.now
        let ticket = wakeup.ticket()
        async let waited: Void = wakeup.wait(since: ticket, upTo: Self.long)
        wakeup.signal()  // before or after the wait registered: either way it ends
        await waited
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aSignalBeforeTheLoopWaitsIsNotMissed() async {
        let wakeup = Wakeup()
        let ticket = wakeup.ticket()
        wakeup.signal()  // work queued while the loop was looking at its queue
        let started = ContinuousClock.now
        await wakeup.wait(since: ticket, upTo: Self.long)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aSignalWakesEveryWaiter() async {
        let wakeup = Wakeup()
        let started = ContinuousClock.now
        let tickets = (0..<4).map { _ in wakeup.ticket() }
        await withTaskGroup(of: Void.self) { group in
            for ticket in tickets { group.addTask { await wakeup.wait(since: ticket, upTo: Self.long) } }
            wakeup.signal()
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func withoutASignalTheWaitEndsAtItsTimeout() async {
        let wakeup = Wakeup()
        let started = ContinuousClock.now
        await wakeup.wait(since: wakeup.ticket(), upTo: .milliseconds(100))
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }

    @Test func cancellingTheWaitingTaskEndsTheWait() async {
        let wakeup = Wakeup()
        let started = ContinuousClock.now
        let ticket = wakeup.ticket()
        let task = Task { await wakeup.wait(since: ticket, upTo: Self.long) }
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
