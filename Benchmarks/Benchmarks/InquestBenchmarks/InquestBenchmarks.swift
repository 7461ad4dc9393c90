import Benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 1_000_000)

    signatureBenchmarks()
    incidentStoreBenchmarks()
    signedIngestBenchmarks()
    changeIngestBenchmarks()
    correlationBenchmarks()
    outboxDispatchBenchmarks()
    metricEvidenceBenchmarks()
}
