import Foundation
import Logging
import Outbound
import ServiceLifecycle
import WebhookIn

/// Pages the escalations whose wait is over. The due times live in SQLite, so after a restart everything that
/// came due while the process was down pages at once — and only once.
public struct EscalationService: Service {
    private let escalations: Escalations
    private let interval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let outboxQueued: Wakeup?
    private let progress: LoopProgress?

    /// - Parameters:
    ///   - outboxQueued: signalled after alerts are paged, to send the pages at once.
    ///   - progress: counts the passes over the due escalations.
    public init(
        escalations: Escalations, interval: Duration = .seconds(1), now: @escaping @Sendable () -> Date, logger: Logger,
        outboxQueued: Wakeup? = nil, progress: LoopProgress? = nil
    ) {
        self.outboxQueued = outboxQueued
        self.progress = progress
        self.escalations = escalations
        self.interval = interval
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let paged = try await escalations.escalateDue(now: now())
                if paged > 0 { outboxQueued?.signal() }
                if paged > 0 { logger.notice("unacknowledged alerts escalated to on-call", metadata: ["count": .stringConvertible(paged)]) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("escalation error", metadata: ["error": "\(error)"])
            }
            progress?.completed()
            try? await Task.sleep(for: interval)
        }
    }
}
