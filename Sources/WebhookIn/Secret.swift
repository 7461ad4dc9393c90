import Crypto
import Foundation

/// A credential resolved from a secret reference.
///
/// Every module receives credentials as `Secret`, never as `String`, so that interpolating one into a log line,
/// an error or a response prints `<redacted>` instead of the value. Code that must send the value on the wire
/// calls ``reveal()`` at the last moment.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The raw value, for the one place that puts it on the wire or into a MAC.
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    /// A short, stable, non-reversible tag that lets operators tell two secrets apart in logs.
    public var fingerprint: String {
        SHA256.hash(data: Data(value.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>, fingerprint: \(fingerprint))" }
}
