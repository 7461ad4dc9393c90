import Crypto
import Foundation
import HTTPTypes

/// Checks `Authorization: Bearer <token>` against a configured secret in constant time.
public struct BearerToken: Sendable {
    private let key = SymmetricKey(size: .bits256)
    private let expected: HashedAuthenticationCode<SHA256>

    public init(_ secret: Secret) {
        expected = HMAC<SHA256>.authenticationCode(for: Data(secret.reveal().utf8), using: key)
    }

    /// True when the request carries the token. Comparing MACs of both values keeps the comparison
    /// constant-time even when the lengths differ.
    public func accepts(_ headers: HTTPFields) -> Bool {
        guard let value = headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return false }
        return matches(Data(value.dropFirst("bearer ".count).utf8))
    }

    /// True when `presented` is the secret (a token typed into a login form).
    public func matches(_ presented: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: presented, using: key)
    }
}
