import Foundation
import Investigation
import WebhookIn

/// A labelled incident for measuring correlation quality: the service catalog, the incident as incident.io
/// sends it, the change log around it, and the change that really caused it (`cause`, an `external_id`) or
/// `null` when no logged change did. The set lives in `Tests/Fixtures/scenarios/`.
public struct Scenario: Sendable {
    public var name: String
    public var file: String
    public var notes: String
    public var catalog: ServiceCatalog
    public var incident: IncidentIOIncident
    public var changes: [Change]
    public var cause: String?
    /// What the services' metrics did, when the scenario says (see ``ScenarioMetrics``).
    public var metrics: ScenarioMetrics?

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(file: String)
        case invalid(file: String, problem: String)

        public var description: String {
            switch self {
            case .unreadable(let file): "cannot read scenario \(file)"
            case .invalid(let file, let problem): "scenario \(file): \(problem)"
            }
        }
    }

    /// Every `*.json` in `directory`, in file-name order.
    public static func loadAll(from directory: String) throws(LoadError) -> [Scenario] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw .unreadable(file: directory)
        }
        var scenarios: [Scenario] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            scenarios.append(try load(file: (directory as NSString).appendingPathComponent(name)))
        }
        return scenarios
    }

    public static func load(file: String) throws(LoadError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: file) else { throw .unreadable(file: file) }
        let name = (file as NSString).lastPathComponent
        let body: Body
        let changes: [Change]
        do {
            body = try JSONDecoder().decode(Body.self, from: data)
            // The change log is written exactly as `POST /api/changes` takes it, and validated the same way.
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let log = try JSONSerialization.data(withJSONObject: ["changes": object?["changes"] ?? []])
            changes = try ChangeInput().changes(fromJSON: log, receivedAt: Date())
        } catch {
            throw .invalid(file: name, problem: "\(error)")
        }
        if let cause = body.cause, !changes.contains(where: { $0.externalID == cause }) {
            throw .invalid(file: name, problem: "cause \(cause) is not the external_id of any change")
        }
        return Scenario(
            name: body.name, file: name, notes: body.notes,
            catalog: ServiceCatalog(
                services: body.services.map {
                    .init(
                        name: $0.name, aliases: $0.aliases ?? [], environment: $0.environment,
                        dependsOn: $0.dependsOn ?? [], shared: $0.shared)
                }),
            incident: body.incident, changes: changes, cause: body.cause,
            metrics: body.metrics.map { ScenarioMetrics(steps: $0) })
    }

    private struct Body: Decodable {
        struct Service: Decodable {
            var name: String
            var aliases: [String]?
            var environment: String?
            var dependsOn: [String]?
            var shared: Bool?

            enum CodingKeys: String, CodingKey {
                case name, aliases, environment, shared
                case dependsOn = "depends_on"
            }
        }

        var name: String
        var notes: String
        var services: [Service]
        var incident: IncidentIOIncident
        var cause: String?
        var metrics: [ScenarioMetrics.Step]?
    }
}
