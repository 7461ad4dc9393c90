import Foundation
import InquestApp
import Investigation
import Testing

/// Correlation quality on the labelled scenario set (`Tests/Fixtures/scenarios`), the same figures
/// `inquest evaluate` prints. The floors sit just under today's results, so a change that makes ranking worse
/// fails here; raise them when ranking improves.
@Suite struct ScenarioQualityTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios").path

    @Test func inquestBeatsTheMostRecentChangeBaseline() async throws {
        let scenarios = try Scenario.loadAll(from: Self.directory)
        #expect(scenarios.count >= 30)
        #expect(scenarios.filter { $0.cause == nil }.count >= 8)
        let evaluation = try await ScenarioEvaluation.run(scenarios, settings: CorrelationSettings())
        let inquest = evaluation.inquest
        let baseline = evaluation.baseline
        #expect(inquest.hitAt1Rate >= 0.9, "\(evaluation.report)")
        #expect(inquest.hitAt3Rate >= 0.95)
        #expect(inquest.noChangeRate >= 0.85)
        #expect(inquest.wrongSuspect <= 2)
        #expect(inquest.hitAt1 > baseline.hitAt1)
        #expect(inquest.hitAt3 > baseline.hitAt3)
        #expect(inquest.noSuspectWhenNoCause > baseline.noSuspectWhenNoCause)
    }

    static let publicSets = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios-public").path

    /// Incidents modelled on public postmortems and incident reports: a tuning set, and a held-out set written by
    /// people who never saw the scorer and never tuned on (`inquest evaluate` prints both). Floors sit just under
    /// today's figures; the held-out ones are what count.
    @Test func publicPostmortemScenariosTuningAndHeldOut() async throws {
        let tuning = try Scenario.loadAll(from: Self.publicSets + "/tuning")
        let holdout = try Scenario.loadAll(from: Self.publicSets + "/holdout")
        #expect(tuning.count + holdout.count >= 110)
        #expect((tuning + holdout).filter { $0.cause == nil }.count >= 30)
        let tuned = try await ScenarioEvaluation.run(tuning, settings: CorrelationSettings())
        #expect(tuned.inquest.hitAt1Rate >= 0.65, "\(tuned.summary.joined(separator: "\n"))")
        #expect(tuned.inquest.hitAt3Rate >= 0.9)
        #expect(tuned.inquest.noChangeRate >= 0.85)
        let held = try await ScenarioEvaluation.run(holdout, settings: CorrelationSettings())
        let score = held.inquest
        #expect(score.hitAt1Rate >= 0.8, "\(held.summary.joined(separator: "\n"))")
        #expect(score.hitAt3Rate >= 0.95)
        #expect(score.noChangeRate >= 0.9)
        #expect(score.brier <= 0.17)
        #expect(score.wrongSuspect <= 1)
        #expect(score.hitAt1 > held.baseline.hitAt1)
        #expect(score.brier < held.baseline.brier)

        // The same held-out incidents with their metrics read, as Prometheus would be.
        #expect(holdout.allSatisfy { $0.metrics != nil })
        let read = try await ScenarioEvaluation.run(holdout, settings: CorrelationSettings(), metrics: true).inquest
        #expect(read.hitAt1Rate >= 0.8, "\(read)")
        #expect(read.hitAt3Rate >= 0.95)
        #expect(read.noChangeRate >= 0.9)
        #expect(read.wrongSuspect <= 1)
        #expect(read.brier <= 0.165)
    }

    @Test func theWorkedExampleIsASuspectedCause() async throws {
        let scenario = try Scenario.load(file: Self.directory + "/01-worked-example.json")
        let evaluation = try await ScenarioEvaluation.run([scenario], settings: CorrelationSettings())
        #expect(evaluation.cases.first?.suspect == "pg-2.1.0")
        // The baseline only looks at checkout-service itself, which did not change.
        #expect(evaluation.cases.first?.baseline == [])
    }

    @Test func aCauseThatIsNotInTheChangeLogIsRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.json")
        try Data(
            """
            {"name": "bad", "notes": "", "services": [], "incident": {"id": "x"},
             "changes": [{"service": "a", "kind": "deploy", "summary": "s", "occurred_at": "2026-11-20T14:00:00Z",
                          "external_id": "one"}],
             "cause": "two"}
            """.utf8
        ).write(to: file)
        #expect {
            try Scenario.load(file: file.path)
        } throws: { error in
            "\(error)" == "scenario bad.json: cause two is not the external_id of any change"
        }
    }
}
