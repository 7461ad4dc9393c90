import Foundation
import HTTPTypes
import Investigation

/// A tool that makes production changes and reports them by signed webhook: GitHub, LaunchDarkly, Flux, …
///
/// Each source checks its own signature scheme and reads its own payload; what they share — size limits, the
/// service mapping, storage, answers and metrics — is ``ChangeSourceController``'s.
public protocol ChangeSource: Sendable {
    /// The path segment of `POST /api/changes/<name>`, and the `source` of the changes it records.
    var name: String { get }
    /// Throws unless the delivery was signed with one of the source's secrets. `body` is the raw bytes as received.
    func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection)
    /// What an authenticated delivery means: a change to record, or an event deliberately skipped.
    func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent
}

/// What a delivery from a change source means.
public enum ChangeSourceEvent: Sendable, Equatable {
    case change(SourceChange)
    /// Answered 202 with the reason, so the sender does not retry, and nothing is stored.
    case ignored(String)
}

/// A change as a source reports it, before its subject is mapped to a catalog service.
public struct SourceChange: Sendable, Equatable {
    /// What the tool calls the thing that changed: a repository, application, workspace or flag.
    public var subject: String
    /// Names to try, in order, when `subject` maps to no service (a repository's name without its owner).
    public var alternatives: [String] = []
    public var environment: String?
    public var kind: ChangeKind
    public var summary: String
    public var version: String?
    public var author: String?
    public var url: String?
    public var occurredAt: Date
    /// Unique per event at the source and the same on every redelivery of it, so a redelivery is stored once.
    public var eventID: String
    /// What the event says beyond the common fields (state, rollout percentage, revision), stored as JSON.
    public var metadata: [String: String] = [:]

    public init(
        subject: String, alternatives: [String] = [], environment: String?, kind: ChangeKind, summary: String,
        version: String? = nil, author: String? = nil, url: String? = nil, occurredAt: Date, eventID: String,
        metadata: [String: String] = [:]
    ) {
        self.subject = subject
        self.alternatives = alternatives
        self.environment = environment
        self.kind = kind
        self.summary = summary
        self.version = version
        self.author = author
        self.url = url
        self.occurredAt = occurredAt
        self.eventID = eventID
        self.metadata = metadata
    }
}

/// Why a delivery was refused. The description is safe to return and log: it never holds a secret or the body.
public struct ChangeSourceRejection: Error, Equatable, CustomStringConvertible {
    public enum Status: Sendable, Equatable {
        /// Not signed with a configured secret: 401.
        case unauthorized
        /// Signed, but not a payload the source sends: 400.
        case malformed
    }

    public var status: Status
    /// A short fixed name, for metrics: `missing_signature`, `invalid_signature`, `malformed`.
    public var code: String
    public var description: String

    public static func missingSignature(_ header: String) -> Self {
        Self(status: .unauthorized, code: "missing_signature", description: "missing \(header) header")
    }

    public static func invalidSignature(_ header: String) -> Self {
        Self(status: .unauthorized, code: "invalid_signature", description: "\(header) does not match any configured secret")
    }

    public static func malformed(_ description: String) -> Self {
        Self(status: .malformed, code: "malformed", description: description)
    }
}
