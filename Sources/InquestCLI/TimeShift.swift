import ArgumentParser
import Foundation
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

    /// Any JSON, so that a document is rewritten without a type for its shape.
    enum JSONValue: Codable {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case null
        case array([JSONValue])
        case object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let integer = try? container.decode(Int.self) {
                self = .integer(integer)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let array = try? container.decode([JSONValue].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .integer(let integer): try container.encode(integer)
            case .number(let number): try container.encode(number)
            case .bool(let flag): try container.encode(flag)
            case .null: try container.encodeNil()
            case .array(let array): try container.encode(array)
            case .object(let object): try container.encode(object)
            }
        }

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
}
