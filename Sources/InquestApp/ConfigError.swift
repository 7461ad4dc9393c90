/// Why a configuration file was refused. Messages name the file, the key path and what is allowed,
/// and never echo a value that could be a secret.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case invalidYAML(file: String, reason: String)
    case unsetVariable(file: String, name: String)
    case unknownKey(file: String, path: String, allowed: [String])
    case invalidValue(file: String, path: String, value: String, allowed: [String])
    case invalid(file: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            "\(file): cannot read the configuration: \(reason)"
        case .invalidYAML(let file, let reason):
            "\(file): not valid YAML: \(reason)"
        case .unsetVariable(let file, let name):
            "\(file): environment variable \(name) is not set (write ${\(name):-default} to give it a default)"
        case .unknownKey(let file, let path, let allowed):
            "\(file): \(path): unknown key; allowed here: \(allowed.joined(separator: ", "))"
        case .invalidValue(let file, let path, let value, let allowed):
            "\(file): \(path): \"\(value)\" is not one of \(allowed.joined(separator: ", "))"
        case .invalid(let file, let path, let reason):
            "\(file): \(path): \(reason)"
        }
    }
}
