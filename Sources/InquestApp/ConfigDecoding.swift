import Foundation
import WebhookIn

/// A config mapping that refuses keys it does not know and gives friendly, path-bearing errors.
///
/// Each config section's `init(from:)` opens one of these with its list of keys, so a typo stops startup
/// with the path and the allowed keys instead of being silently ignored.
struct ConfigSection {
    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private let container: KeyedDecodingContainer<Key>
    private let decoder: any Decoder
    let file: String

    init(_ decoder: any Decoder, keys: [String]) throws {
        self.decoder = decoder
        self.file = decoder.userInfo[.configFile] as? String ?? "config"
        container = try decoder.container(keyedBy: Key.self)
        if let unknown = container.allKeys.first(where: { !keys.contains($0.stringValue) }) {
            throw ConfigError.unknownKey(file: file, path: path(unknown.stringValue), allowed: keys)
        }
    }

    /// `integrations.incident_io.<key>`
    func path(_ key: String) -> String {
        (decoder.codingPath.map(\.stringValue) + [key]).joined(separator: ".")
    }

    func contains(_ key: String) -> Bool {
        container.contains(Key(key))
    }

    func callAsFunction<T: Decodable>(_ key: String, default value: T) throws -> T {
        try optional(key) ?? value
    }

    func optional<T: Decodable>(_ key: String) throws -> T? {
        do {
            return try container.decodeIfPresent(T.self, forKey: Key(key))
        } catch let error as ConfigError {
            throw error
        } catch DecodingError.typeMismatch(let type, _) {
            throw ConfigError.invalid(file: file, path: path(key), reason: "expected \(Self.name(of: type))" + found(key))
        } catch DecodingError.dataCorrupted {
            throw ConfigError.invalid(file: file, path: path(key), reason: "expected \(Self.name(of: T.self))" + found(key))
        }
    }

    /// What a key of the wrong type holds, and the environment variable it came from: `, got "abc" (from
    /// INQUEST_PORT)`. Only for keys that are not strings, whose values are numbers or flags, never secrets.
    private func found(_ key: String) -> String {
        guard let raw = try? container.decodeIfPresent(String.self, forKey: Key(key)) else { return "" }
        let variables = decoder.userInfo[.wholeValueVariables] as? [String: String] ?? [:]
        let quoted = raw.count > 40 ? "\"\(raw.prefix(40))…\"" : "\"\(raw)\""
        return ", got \(quoted)" + (variables[path(key)].map { " (from environment variable \($0))" } ?? "")
    }

    /// A string that must be one of `T`'s cases.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T
    where T.RawValue == String {
        guard let raw: String = try optional(key) else { return value }
        guard let choice = T(rawValue: raw.lowercased()) ?? T(rawValue: raw) else {
            throw ConfigError.invalidValue(
                file: file, path: path(key), value: raw, allowed: T.allCases.map(\.rawValue))
        }
        return choice
    }

    /// A secret reference, or nil when the key is absent or empty (an unset `${VAR:-}`).
    func secret(_ key: String) throws -> SecretReference? {
        guard let raw: String = try optional(key), !raw.isEmpty else { return nil }
        let variables = decoder.userInfo[.wholeValueVariables] as? [String: String] ?? [:]
        return SecretReference(raw, environmentVariable: variables[path(key)])
    }

    /// One secret reference or a list of them (several active webhook secrets during rotation).
    func secrets(_ key: String) throws -> [SecretReference] {
        guard let list = try? container.decodeIfPresent([String].self, forKey: Key(key)) else {
            return try secret(key).map { [$0] } ?? []
        }
        let variables = decoder.userInfo[.wholeValueVariables] as? [String: String] ?? [:]
        return list.enumerated().compactMap { index, raw in
            raw.isEmpty ? nil : SecretReference(raw, environmentVariable: variables[path(key) + ".[\(index)]"])
        }
    }

    /// Named secret references (`other_routing_keys: {infra: …}`); names whose value is empty are left out.
    func secretMap(_ key: String) throws -> [String: SecretReference] {
        guard let raw: [String: String] = try optional(key) else { return [:] }
        let variables = decoder.userInfo[.wholeValueVariables] as? [String: String] ?? [:]
        return raw.filter { !$0.value.isEmpty }.reduce(into: [:]) { result, entry in
            result[entry.key] = SecretReference(entry.value, environmentVariable: variables[path(key) + "." + entry.key])
        }
    }

    /// An http(s) base URL, without a trailing slash.
    func url(_ key: String, default value: String) throws -> String {
        let text: String = try self(key, default: value)
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw failure(key, "must be an http(s) URL such as https://api.example.com")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    func failure(_ key: String, _ reason: String) -> ConfigError {
        .invalid(file: file, path: path(key), reason: reason)
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        default: "\(type)".lowercased()
        }
    }
}

extension CodingUserInfoKey {
    static let configFile = CodingUserInfoKey(rawValue: "inquest.configFile")!
    static let wholeValueVariables = CodingUserInfoKey(rawValue: "inquest.wholeValueVariables")!
}
