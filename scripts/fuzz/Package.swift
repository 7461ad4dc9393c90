// swift-tools-version:6.1
// libFuzzer over the parsers of untrusted input in WebhookIn and Alerting. Its own package, like Benchmarks/, so normal builds never
// compile it; `bash scripts/fuzz.sh [SECONDS]` builds it for libFuzzer with AddressSanitizer and runs it.
import PackageDescription

let package = Package(
    name: "inquest-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "inquest", path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzWebhookIn",
            dependencies: [.product(name: "WebhookIn", package: "inquest"), .product(name: "Alerting", package: "inquest")]
        )
    ]
)
