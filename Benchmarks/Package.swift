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
    ],
    targets: [
        .executableTarget(
            name: "InquestBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "InquestApp", package: "inquest"),
                .product(name: "WebhookIn", package: "inquest"),
                .product(name: "Investigation", package: "inquest"),
            ],
            path: "Benchmarks/InquestBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
