import Yams

/// Replaces `${NAME}` and `${NAME:-default}` in the scalar values of a parsed YAML document.
///
/// Substituting after parsing (rather than in the raw text) means a value containing `#`, `:` or quotes
/// cannot change the document's structure, and a YAML error can never quote a substituted secret.
/// Keys and comments are left alone.
struct EnvironmentSubstitution {
    struct UnsetVariable: Error {
        let name: String
    }

    let environment: [String: String]

    /// Key paths (`integrations.incident_io.webhook_secret`) whose whole value was one `${NAME}`, with NAME.
    /// A secret written that way is an environment reference, not a literal to warn about.
    private(set) var wholeValueVariables: [String: String] = [:]

    init(environment: [String: String]) {
        self.environment = environment
    }

    mutating func apply(to node: Node, path: [String] = []) throws(UnsetVariable) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("${") else { return node }
            if let name = Self.wholeVariable(in: scalar.string) {
                wholeValueVariables[path.joined(separator: ".")] = name
            }
            scalar.string = try substitute(in: scalar.string)
            return .scalar(scalar)
        case .mapping(var mapping):
            for index in mapping.indices {
                let (key, value) = mapping[index]
                mapping[index] = (key, try apply(to: value, path: path + [key.string ?? "?"]))
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for index in sequence.indices {
                sequence[index] = try apply(to: sequence[index], path: path + ["[\(index)]"])
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    func substitute(in string: String) throws(UnsetVariable) -> String {
        var result = ""
        var rest = Substring(string)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                result += rest[start.lowerBound...]
                return result
            }
            let expression = rest[start.upperBound..<end]
            let name: Substring
            let fallback: Substring?
            if let separator = expression.range(of: ":-") {
                name = expression[..<separator.lowerBound]
                fallback = expression[separator.upperBound...]
            } else {
                name = expression
                fallback = nil
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw UnsetVariable(name: String(name))
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func wholeVariable(in string: String) -> String? {
        guard string.hasPrefix("${"), string.hasSuffix("}"), string.count > 3 else { return nil }
        let inner = string.dropFirst(2).dropLast()
        guard !inner.contains("$"), !inner.contains("}") else { return nil }
        return String(inner.split(separator: ":", maxSplits: 1).first ?? inner)
    }
}
