import Foundation

extension Correlator.Result {
    /// Every candidate with its score, confidence and each factor's points and reason, then every change set aside:
    /// what `inquest investigate --explain` and `inquest evaluate --explain` print.
    /// - Parameter cause: the `external_id` to mark with `*` (a labelled scenario's cause).
    public func explanation(marking cause: String? = nil) -> [String] {
        var lines = [
            String(format: "not a logged change: %.0f%%", noChangeConfidence * 100)
                + (noChangeReasons.map { " (" + $0.joined(separator: "; ") + ")" } ?? "")
        ]
        for candidate in candidates {
            let mark = cause != nil && candidate.change.externalID == cause ? "*" : " "
            lines.append(
                String(format: "%@ %5.1f %3.0f%% ", mark, candidate.score, candidate.confidence * 100)
                    + "\(candidate.change.externalID) \(Findings.time(candidate.change.occurredAt)) "
                    + "\(candidate.change.service) \(candidate.change.kind.rawValue): \(candidate.change.summary)")
            for factor in candidate.factors {
                lines.append(
                    "        " + factor.name.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + String(format: "%5.1f  ", factor.points) + factor.reason)
            }
            if let demotion = candidate.demotion { lines.append("        demoted: \(demotion)") }
            if let related = candidate.related { lines.append("        same event: " + related.map(\.externalID).joined(separator: ", ")) }
        }
        lines.append(excluded.isEmpty ? "set aside: none" : "set aside:")
        for exclusion in excluded {
            lines.append(
                "  \(exclusion.change.externalID) \(Findings.time(exclusion.change.occurredAt)) \(exclusion.change.service) "
                    + "\(exclusion.change.kind.rawValue): \(exclusion.reason)")
        }
        return lines
    }
}
