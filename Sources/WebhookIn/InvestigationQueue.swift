import Foundation
import GRDB

/// Where the webhook handler queues an investigation.
///
/// The seam between WebhookIn and Investigation: WebhookIn knows *that* an incident should be investigated,
/// Investigation owns the job table. `enqueue` runs inside the handler's write transaction, so the incident,
/// the delivery and the job commit together or not at all.
public protocol InvestigationQueue: Sendable {
    /// Queues a job and returns its id.
    func enqueue(_ request: InvestigationRequest, in db: Database) throws -> Int64
    /// The job's current status (`queued`, `running`, `done`, `failed`), or nil when there is no such job.
    func status(ofInvestigation id: Int64, in db: Database) throws -> String?
}

/// What an investigation is asked to look into.
public struct InvestigationRequest: Sendable, Equatable {
    public var incidentID: String
    public var priority: Priority
    /// Why it was queued (`incident created`, `severity raised to P1`), shown with the job.
    public var reason: String
    public var queuedAt: Date
    /// The earliest start; later than `queuedAt` when a re-investigation waits out its cooldown.
    public var notBefore: Date

    public init(incidentID: String, priority: Priority, reason: String, queuedAt: Date, notBefore: Date? = nil) {
        self.incidentID = incidentID
        self.priority = priority
        self.reason = reason
        self.queuedAt = queuedAt
        self.notBefore = notBefore ?? queuedAt
    }
}
