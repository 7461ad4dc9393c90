import ArgumentParser
import InquestApp

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure correlation on labelled scenarios: Hit@1, Hit@3 and no-change answers, next to a baseline.",
        discussion: """
            Each scenario (JSON: services, incident, changes, cause) runs through the real investigator with the
            configured correlation settings, against its own in-memory change log. The baseline blames the most
            recent change to the incident's own services.
            """)

    @OptionGroup var options: ConfigOption
    @Argument(help: "A folder of scenario files.") var directory = "Tests/Fixtures/scenarios"

    func run() async throws {
        let config = try options.load()
        let scenarios = try Scenario.loadAll(from: directory)
        print(try await ScenarioEvaluation.run(scenarios, settings: config.correlation).report)
    }
}
