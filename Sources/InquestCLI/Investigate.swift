import ArgumentParser
import Foundation
import InquestApp
import Investigation
import WebhookIn

struct Investigate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Investigate an incident payload against the current change log and print the findings; sends nothing.",
        discussion: "FILE is an incident.io delivery (like examples/incident-created.json) or a bare incident object.")

    @OptionGroup var options: ConfigOption
    @Argument(help: "An incident.io delivery or a bare incident object (JSON).") var file: String
    @Option(help: "Treat this RFC 3339 time as the impact start.") var at: String?
    @Flag(help: "Also list every candidate's factors and every change set aside, with the reason.") var explain = false
    @Flag(help: "Print the findings as JSON instead of Markdown (with --explain, inside {findings, candidates, excluded}).")
    var json = false

    /// `--json --explain`: one JSON document.
    private struct Explained: Encodable {
        var findings: Findings
        var candidates: [Correlator.Candidate]
        var excluded: [Correlator.Exclusion]
        var noChangeConfidence: Double

        enum CodingKeys: String, CodingKey {
            case findings, candidates, excluded
            case noChangeConfidence = "no_change_confidence"
        }
    }

    func run() async throws {
        let config = try options.load()
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        var incident: IncidentIOIncident
        if let event = try? IncidentIOEvent(json: data), case .created(let found) = event.kind {
            incident = found
        } else if let event = try? IncidentIOEvent(json: data), case .updated(let found) = event.kind {
            incident = found
        } else {
            incident = try JSONDecoder().decode(IncidentIOIncident.self, from: data)
        }
        if let at {
            guard Date(rfc3339: at) != nil else { throw ValidationError("--at \(at) is not an RFC 3339 time") }
            incident.incidentTimestampValues = [
                .init(incidentTimestamp: .init(name: "Impact started (--at)"), value: .init(value: at))
            ]
        }
        let priority = config.integrations.incidentIO.policy.priority(forSeverity: incident.severity?.name).priority
        let investigator = Investigator(settings: config.correlation, catalog: ServiceCatalog(services: config.services))
        let database = try options.openDatabase(config)
        let subject = incident
        let (findings, result) = try await database.read { db in
            try investigator.investigateRanking(subject, priority: priority, fallbackStart: Date(), in: db)
        }
        switch (json, explain) {
        case (true, true):
            let explained = Explained(
                findings: findings, candidates: result.candidates, excluded: result.excluded,
                noChangeConfidence: result.noChangeConfidence)
            print(String(decoding: try JSONEncoder.findings.encode(explained), as: UTF8.self))
        case (true, false):
            print(String(decoding: try JSONEncoder.findings.encode(findings), as: UTF8.self))
        case (false, true):
            print(findings.markdown)
            print("### Every candidate's factors and every change set aside\n")
            print(result.explanation().joined(separator: "\n"))
        case (false, false):
            print(findings.markdown)
        }
        try database.close()
    }
}
