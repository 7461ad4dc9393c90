import ArgumentParser
import Foundation
import InquestApp
import WebhookIn

/// Moves every RFC 3339 time in a JSON document by the same amount: the examples are dated once
/// (2026-11-20 14:35 UTC), and replayed with `--as-of` they happen now, so the change log's retention, the default
/// time range of `GET /api/changes` and the incident's window all see them.
enum TimeShift {
    static func shift(_ data: Data, asOf: String, now: Date = Date()) throws -> Data {
        guard let anchor = Date(rfc3339: asOf) else { throw ValidationError("--as-of \(asOf) is not an RFC 3339 time") }
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value.shifted(by: now.timeIntervalSince(anchor)))
    }
}

extension JSONValue {
    /// The value with every RFC 3339 time in it moved by `seconds`.
    func shifted(by seconds: TimeInterval) -> JSONValue {
        switch self {
        case .string(let text):
            // Only full timestamps (a date and a time): ids and versions that merely start with digits stay.
            guard text.count >= 20, text.contains("T"), let date = Date(rfc3339: text) else { return self }
            return .string(date.addingTimeInterval(seconds).rfc3339)
        case .array(let array): return .array(array.map { $0.shifted(by: seconds) })
        case .object(let object): return .object(object.mapValues { $0.shifted(by: seconds) })
        default: return self
        }
    }
}
