import CoreMetrics
import Foundation
import GRDB
import Logging
import ServiceLifecycle
import WebhookIn

/// Delivers due outbox messages, `concurrency` at a time, with retries, backoff, rate limits and a dead letter.
public struct OutboxDispatcher: Service {
    public struct Settings: Sendable {
        public var enabled = true
        public var concurrency = 4
        public var pollInterval: Duration = .milliseconds(250)
        public var retry = RetryPolicy()

        public init() {}
    }

    private let outbox: Outbox
    private let providers: [String: any OutboundProvider]
    private let settings: Settings
    private let rateLimiter: RateLimiter
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let telemetry: any MetricsFactory
    private let queued: Wakeup?
    private let idlePasses: LoopProgress?

    /// - Parameters:
    ///   - telemetry: receives `inquest_delivery_attempts_total{provider, result}` and
    ///     `inquest_dead_letters_total{provider, reason}`.
    ///   - queued: wakes the dispatcher when a message is queued, instead of at its next poll.
    ///   - idlePasses: counts the passes that found nothing due.
    public init(
        database: any DatabaseWriter, providers: [any OutboundProvider], settings: Settings,
        rateLimiter: RateLimiter = RateLimiter(), now: @escaping @Sendable () -> Date, logger: Logger,
        telemetry: any MetricsFactory = NOOPMetricsHandler.instance, queued: Wakeup? = nil,
        idlePasses: LoopProgress? = nil
    ) {
        self.idlePasses = idlePasses
        self.telemetry = telemetry
        self.queued = queued
        outbox = Outbox(database: database)
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.settings = settings
        self.rateLimiter = rateLimiter
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        guard settings.enabled else {
            try? await gracefulShutdown()
            return
        }
        let recovered = try await outbox.recoverClaimed(now: now())
        if recovered > 0 {
            logger.warning("re-queued messages a previous process was sending", metadata: ["count": .stringConvertible(recovered)])
        }
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, settings.concurrency) {
                group.addTask { await loop() }
            }
        }
    }

    private func loop() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let ticket = queued?.ticket()
            let result: Result<Bool, any Error>
            do { result = .success(try await runOnce()) } catch { result = .failure(error) }
            switch result {
            case .success(true): continue
            case .success(false): idlePasses?.completed()
            case .failure(is CancellationError):
                return  // shutting down: the claimed message goes back to pending at the next start
            case .failure(let error):
                logger.error("outbox dispatcher error", metadata: ["error": "\(error)"])
            }
            if let queued, let ticket {
                await queued.wait(since: ticket, upTo: settings.pollInterval)
            } else {
                try? await Task.sleep(for: settings.pollInterval)
            }
        }
    }

    /// Claims and delivers the next due message, if any. Public so tests and the CLI can drive it step by step.
    @discardableResult
    public func runOnce() async throws -> Bool {
        guard let message = try await outbox.claimDue(limit: 1, now: now()).first, let id = message.id else {
            return false
        }
        var metadata: Logger.Metadata = [
            "outbox_id": "\(id)", "provider": "\(message.provider)", "operation": "\(message.operation)",
            "target": "\(message.target)", "attempt": .stringConvertible(message.attempts),
        ]
        guard let provider = providers[message.provider] else {
            // Its configuration was removed since it was queued; keep it for `inquest outbox retry`.
            let reason = "provider \(message.provider) is not configured"
            try await outbox.markDead(id, error: reason, now: now())
            dead(message, "unconfigured")
            logger.error("outbound message dead", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
            return true
        }
        if let (key, limit) = provider.rateLimit(for: message), let wait = rateLimiter.acquire(key, limit: limit, now: now()) {
            try await outbox.reschedule(id, at: now().addingTimeInterval(wait.seconds), error: nil, countAttempt: false, now: now())
            attempted(message, "rate_limited")
            return true
        }

        let result = await provider.deliver(message)
        switch result {
        case .sent:
            try await outbox.markSent(id, now: now())
            attempted(message, "sent")
            logger.info("outbound message sent", metadata: metadata)
        case .rejected(let reason):
            try await outbox.markDead(id, error: reason, now: now())
            attempted(message, "rejected")
            dead(message, "rejected")
            metadata["error"] = "\(reason)"
            logger.error("outbound message rejected by provider; dead", metadata: metadata)
        case .waiting(let reason, let after):
            attempted(message, "waiting")
            if settings.retry.isYoung(createdAt: message.createdAt, now: now()) {
                try await outbox.reschedule(
                    id, at: now().addingTimeInterval(after.seconds), error: reason, countAttempt: false, now: now())
            } else {
                try await outbox.markDead(id, error: "\(reason) (gave up after max_age)", now: now())
                dead(message, "max_age")
                metadata["error"] = "\(reason)"
                logger.error("outbound message waited too long; dead", metadata: metadata)
            }
        case .retry(let reason, let retryAfter):
            attempted(message, "failed")
            metadata["error"] = "\(reason)"
            if settings.retry.allowsRetry(attempts: message.attempts, createdAt: message.createdAt, now: now()) {
                let delay = settings.retry.delay(afterAttempt: message.attempts, retryAfter: retryAfter)
                try await outbox.reschedule(
                    id, at: now().addingTimeInterval(delay.seconds), error: reason, countAttempt: true, now: now())
                metadata["retry_in_ms"] = .stringConvertible(Int(delay.seconds * 1000))
                logger.warning("outbound message failed; will retry", metadata: metadata)
            } else {
                let final = "\(reason) (gave up after \(message.attempts) attempts)"
                try await outbox.markDead(id, error: final, now: now())
                dead(message, "gave_up")
                logger.error("outbound message failed; dead", metadata: metadata)
            }
        }
        return true
    }

    private func attempted(_ message: OutboxMessage, _ result: String) {
        Counter(
            label: "inquest_delivery_attempts_total", dimensions: [("provider", message.provider), ("result", result)],
            factory: telemetry
        ).increment()
    }

    private func dead(_ message: OutboxMessage, _ reason: String) {
        Counter(
            label: "inquest_dead_letters_total", dimensions: [("provider", message.provider), ("reason", reason)],
            factory: telemetry
        ).increment()
    }
}
