extension Findings {
    /// The findings as Markdown: for `Accept: text/markdown`, the CLI, and incident.io's timeline.
    public var markdown: String {
        var lines = ["## Inquest findings: \(incident.reference ?? incident.incidentID) — \(incident.title)", "", summary, ""]
        if suspectedCauses.isEmpty {
            lines.append("**No strong suspect.** Searched: \(searched).")
        } else {
            lines.append("### Suspected causes")
            for cause in suspectedCauses {
                lines.append(
                    "\(cause.rank). **\(Self.describe(cause.change))** at \(Self.time(cause.change.occurredAt)) UTC — "
                        + "\(Self.percent(cause.confidence)) (\(cause.band.rawValue)), score \(Int(cause.score.rounded()))/100"
                        + (cause.change.author.map { ", by \($0)" } ?? "") + (cause.change.linkURL.map { ", [link](\($0))" } ?? ""))
                for factor in cause.factors {
                    lines.append("   - \(factor.name): \(Int(factor.points.rounded()))/\(Int(factor.weight)) — \(factor.reason)")
                }
                if let demotion = cause.demotion { lines.append("   - demoted: \(demotion)") }
            }
        }
        lines += ["", "### Recommended actions"]
        lines += recommendedActions.map { "- " + ($0.cause.map { "(#\($0)) " } ?? "") + $0.text }
        lines += ["", "### Evidence"]
        lines += evidence.map { "- \($0)" }
        lines += ["", "### Timeline (UTC)"]
        lines += timeline.map { "- \(Self.time($0.at)) \($0.text)" }
        if !excluded.isEmpty {
            lines += ["", "### Set aside"]
            lines += excluded.prefix(20).map {
                "- \(Self.describe($0.change)) at \(Self.time($0.change.occurredAt)): \($0.reason)"
            }
            if excluded.count > 20 { lines.append("- … and \(excluded.count - 20) more") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
