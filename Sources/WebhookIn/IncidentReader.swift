/// Reads one incident from incident.io: what completes a `private_incident.*` delivery, which carries only an id.
/// The incident.io API client (Outbound) implements it.
public protocol IncidentReader: Sendable {
    func incident(id: String) async throws(IncidentReadFailure) -> IncidentIOIncident
}

/// Why an incident could not be read.
public enum IncidentReadFailure: Error, CustomStringConvertible {
    /// incident.io answered with this HTTP status; the text is incident.io's own explanation.
    case status(Int, String)
    /// No usable answer: connection refused, timeout, or a body that is not an incident.
    case unavailable(String)

    public var description: String {
        switch self {
        case .status(let code, let reason): "incident.io API: HTTP \(code)\(reason.isEmpty ? "" : ": " + reason)"
        case .unavailable(let reason): "incident.io API: \(reason)"
        }
    }
}
