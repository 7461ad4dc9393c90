// swift-tools-version:6.1
// Benchmarks live in their own package so that normal builds and CI never resolve package-benchmark.
// Run from this folder: swift package benchmark   (see README.md here for the figures and how they were made)
import PackageDescription

let package = Package(
    name: "inquest-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "inquest", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        .executableTarget(
            name: "InquestBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "InquestApp", package: "inquest"),
                .product(name: "WebhookIn", package: "inquest"),
                .product(name: "Investigation", package: "inquest"),
                .product(name: "Outbound", package: "inquest"),
                .product(name: "PrometheusEvidence", package: "inquest"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/InquestBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
