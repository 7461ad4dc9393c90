import WebhookIn

/// Where a secret comes from, as written in the config. The reference may be logged; the value never.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    /// `vault://secrets/NAME`: `vault-dev/secrets/NAME` in development, Vault KV v2 when `VAULT_ADDR` is set.
    case vault(name: String)
    /// `env://NAME`, or a value written as `${NAME}`.
    case environment(name: String)
    /// A value written into the config itself: works, with a warning.
    case literal(Secret)

    /// - Parameter environmentVariable: set when the whole value was `${NAME}` in the file, so the
    ///   substituted value is treated as the environment reference it was written as.
    public init(_ raw: String, environmentVariable: String? = nil) {
        if let environmentVariable {
            self = .environment(name: environmentVariable)
        } else if raw.hasPrefix("vault://secrets/") {
            self = .vault(name: String(raw.dropFirst("vault://secrets/".count)))
        } else if raw.hasPrefix("env://") {
            self = .environment(name: String(raw.dropFirst("env://".count)))
        } else {
            self = .literal(Secret(raw))
        }
    }

    public var description: String {
        switch self {
        case .vault(let name): "vault://secrets/\(name)"
        case .environment(let name): "env://\(name)"
        case .literal(let secret): "a literal value (fingerprint \(secret.fingerprint))"
        }
    }
}
