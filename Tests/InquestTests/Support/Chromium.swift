import Foundation
import Testing

/// Debian's headless Chromium (`scripts/test.sh` installs it), for checking pages as a browser renders them.
/// Screenshots are kept as test artifacts under `.build/test-artifacts/`.
enum Chromium {
    static let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/test-artifacts")

    /// Runs Chromium on `url` with its own profile (cookies persist only within that profile).
    static func run(_ arguments: [String], _ url: String, profile: URL, height: Int = 900) throws -> (status: Int32, output: String) {
        try Command.run(
            "/usr/bin/timeout",
            ["90", "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--user-data-dir=\(profile.path)", "--window-size=1200,\(height)"] + arguments + [url])
    }

    /// The page's DOM after Chromium ran it; its screenshot (`height` pixels of the page) is kept as `name` and must
    /// show something.
    static func render(
        _ url: String, as name: String, profile: URL, height: Int = 900, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let dom = try run(["--dump-dom"], url, profile: profile).output
        let shot = artifacts.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: shot)
        _ = try run(["--screenshot=\(shot.path)"], url, profile: profile, height: height)
        let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
        #expect(size > 5_000, "screenshot \(name) is \(size) bytes", sourceLocation: sourceLocation)
        return dom
    }
}
