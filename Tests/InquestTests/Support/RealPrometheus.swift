import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Prometheus (Debian's `prometheus` 2.42) on a free loopback port, its TSDB backfilled from OpenMetrics text
/// with `promtool tsdb create-blocks-from openmetrics`: series with fixed timestamps, so results do not depend on
/// today's date. Stopped when released.
final class RealPrometheus: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case backfill(String)
        case notReady(String)

        var description: String {
            switch self {
            case .missing(let tool): "\(tool) is not installed (scripts/install-deps.sh installs Debian's prometheus)"
            case .backfill(let output): "promtool could not backfill: \(output)"
            case .notReady(let log): "prometheus did not become ready: \(log)"
            }
        }
    }

    let url: String
    private let process: Process
    private let directory: URL

    init(openMetrics: String) async throws {
        for tool in ["/usr/bin/prometheus", "/usr/bin/promtool"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw Failure.missing(tool)
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let input = directory.appendingPathComponent("series.om")
        try openMetrics.write(to: input, atomically: true, encoding: .utf8)
        let backfill = try Command.run("/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", input.path, data.path])
        guard backfill.status == 0 else { throw Failure.backfill(backfill.output) }
        let config = directory.appendingPathComponent("prometheus.yml")
        try "global: {}\nscrape_configs: []\n".write(to: config, atomically: true, encoding: .utf8)

        let port = try Self.freePort()
        url = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(data.path)", "--storage.tsdb.retention.time=100y",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        let log = directory.appendingPathComponent("prometheus.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        if try await eventuallyValue(timeout: .seconds(30), { await Self.ready(url) ? true : nil }) != nil { return }
        process.terminate()
        throw Failure.notReady((try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// OpenMetrics for one gauge: `name{labels} value timestamp` per minute from `start`, values from `value(minute)`.
    static func gauge(
        _ name: String, labels: String, from start: Date, minutes: Int, value: (Int) -> Double
    ) -> String {
        (0..<minutes).map { minute in
            "\(name){\(labels)} \(value(minute)) \(Int64(start.timeIntervalSince1970) + Int64(minute * 60))"
        }.joined(separator: "\n")
    }

    static func document(_ gauges: [(name: String, series: [String])]) -> String {
        gauges.map { "# TYPE \($0.name) gauge\n" + $0.series.joined(separator: "\n") }.joined(separator: "\n") + "\n# EOF\n"
    }

    private static func ready(_ url: String) async -> Bool {
        guard let endpoint = URL(string: url + "/-/ready") else { return false }
        return await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: endpoint) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode == 200)
            }.resume()
        }
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
