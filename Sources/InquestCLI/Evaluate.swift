import ArgumentParser
import InquestApp

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure correlation on labelled scenarios: Hit@k, no-change answers and calibration, next to a baseline.",
        discussion: """
            Each scenario (JSON: services, incident, changes, cause) runs through the real investigator with the \
            configured correlation settings, against its own in-memory change log. The baseline blames the most \
            recent change to the incident's own services. Every folder is reported on its own, then all together; \
            the default is the repository's training scenarios, the public-postmortem tuning set and the held-out set.
            """)

    @OptionGroup var options: ConfigOption
    @Argument(help: "Folders of scenario files.")
    var directories = [
        "Tests/Fixtures/scenarios", "Tests/Fixtures/scenarios-public/tuning", "Tests/Fixtures/scenarios-public/holdout",
    ]
    @Flag(help: "Print every scenario's answer, not only the scores.") var verbose = false
    @Flag(help: "Search the temperature and no-change score with the least Brier score on all but the last folder.")
    var fit = false
    @Option(help: "Explain every candidate's factors for the scenarios whose file name contains this.")
    var explain: String?
    @Flag(help: "With --explain or --fit: read the scenarios' metrics too.") var metrics = false

    func run() async throws {
        let config = try options.load()
        if let explain {
            for directory in directories {
                for scenario in try Scenario.loadAll(from: directory) where scenario.file.contains(explain) {
                    print(
                        try await ScenarioEvaluation.explain(scenario, settings: config.correlation, metrics: metrics) + "\n")
                }
            }
            return
        }
        var all: [Scenario] = []
        for directory in directories {
            let scenarios = try Scenario.loadAll(from: directory)
            all += scenarios
            let evaluation = try await ScenarioEvaluation.run(scenarios, settings: config.correlation)
            print("== \(directory) (\(scenarios.count) scenarios)")
            print((verbose ? evaluation.report : evaluation.summary.joined(separator: "\n")) + "\n")
            let withMetrics = scenarios.filter { $0.metrics != nil }
            if !withMetrics.isEmpty {
                let plain = try await ScenarioEvaluation.run(withMetrics, settings: config.correlation)
                let read = try await ScenarioEvaluation.run(withMetrics, settings: config.correlation, metrics: true)
                print("-- the \(withMetrics.count) scenarios with metrics, without and with them")
                print(ScenarioEvaluation.table(plain.scoreRows(named: "without") + read.scoreRows(named: "with").dropFirst()).joined(separator: "\n") + "\n")
            }
        }
        if fit {
            var training: [Scenario] = []
            for directory in directories.dropLast() { training += try Scenario.loadAll(from: directory) }
            let best = try await ScenarioEvaluation.fit(training, settings: config.correlation)
            print(
                "least Brier on \(training.count) training scenarios: temperature \(best.temperature), "
                    + "no_change_score \(best.noChangeScore) (Brier \(String(format: "%.3f", best.brier)))")
        }
    }
}
