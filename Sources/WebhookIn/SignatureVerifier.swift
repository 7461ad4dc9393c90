import Crypto
import Foundation

/// Verifies Standard Webhooks (Svix) signatures, the scheme incident.io signs its deliveries with.
///
/// Signed content is `"{id}.{timestamp}.{body}"`, HMAC-SHA256 keyed with the base64-decoded secret
/// (a `whsec_` prefix is stripped). Several secrets may be active at once so a secret can be rotated
/// without dropping deliveries. Comparison is constant-time.
public struct SignatureVerifier: Sendable {
    /// Why a delivery was rejected. The description is safe to return to the caller and to log:
    /// it never contains the body, the signature or a secret.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeaders
        case invalidTimestamp
        case timestampOutsideTolerance
        case invalidSignature

        public var description: String {
            switch self {
            case .missingHeaders: "missing signature headers"
            case .invalidTimestamp: "invalid webhook-timestamp header"
            case .timestampOutsideTolerance: "timestamp outside tolerance"
            case .invalidSignature: "invalid signature"
            }
        }

        /// A short fixed name, for metrics.
        public var code: String {
            switch self {
            case .missingHeaders: "missing_headers"
            case .invalidTimestamp: "invalid_timestamp"
            case .timestampOutsideTolerance: "stale_timestamp"
            case .invalidSignature: "invalid_signature"
            }
        }
    }

    /// A secret that is not valid base64 is a misconfiguration; it must stop startup, not fail every delivery.
    public struct MalformedSecret: Error, CustomStringConvertible {
        public let fingerprint: String
        public var description: String {
            "webhook secret (fingerprint \(fingerprint)) is not a base64 Standard Webhooks secret (expected whsec_<base64>)"
        }
    }

    private let keys: [SymmetricKey]
    private let tolerance: TimeInterval
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - secrets: active signing secrets, `whsec_<base64>` or bare base64; at least one.
    ///   - tolerance: how far the signed timestamp may be from `now`, in either direction.
    ///   - now: the clock, injected so tests can pin it to a vector's timestamp.
    public init(
        secrets: [Secret],
        tolerance: TimeInterval = 5 * 60,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws(MalformedSecret) {
        var keys: [SymmetricKey] = []
        for secret in secrets {
            keys.append(try Self.key(from: secret))
        }
        self.keys = keys
        self.tolerance = tolerance
        self.now = now
    }

    /// Checks one delivery. `body` must be the raw bytes as received.
    public func verify(id: String?, timestamp: String?, signatures: String?, body: some DataProtocol)
        throws(Failure)
    {
        guard let id, !id.isEmpty, let timestamp, let signatures, !signatures.isEmpty else {
            throw .missingHeaders
        }
        guard let seconds = Int64(timestamp) else { throw .invalidTimestamp }
        let age = now().timeIntervalSince1970 - TimeInterval(seconds)
        guard abs(age) <= tolerance else { throw .timestampOutsideTolerance }

        let candidates = Self.v1Signatures(in: signatures)
        guard !candidates.isEmpty else { throw .invalidSignature }
        let prefix = Data("\(id).\(timestamp).".utf8)
        for key in keys {
            var hmac = HMAC<SHA256>(key: key)
            hmac.update(data: prefix)
            hmac.update(data: body)
            let expected = hmac.finalize()
            // `==` on a HashedAuthenticationCode is swift-crypto's constant-time comparison.
            if candidates.contains(where: { expected == $0 }) { return }
        }
        throw .invalidSignature
    }

    /// The signature header value for `body`, as a sender would compute it with `secret`.
    public static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: Secret) throws(MalformedSecret)
        -> String
    {
        var hmac = HMAC<SHA256>(key: try key(from: secret))
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    private static func key(from secret: Secret) throws(MalformedSecret) -> SymmetricKey {
        var encoded = Substring(secret.reveal())
        if encoded.hasPrefix("whsec_") { encoded = encoded.dropFirst(6) }
        let padding = String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        guard !encoded.isEmpty, let bytes = Data(base64Encoded: encoded + padding) else {
            throw MalformedSecret(fingerprint: secret.fingerprint)
        }
        return SymmetricKey(data: bytes)
    }

    /// The decoded `v1` entries of a space-separated signature header; other versions are skipped.
    private static func v1Signatures(in header: String) -> [Data] {
        header.split(separator: " ").compactMap { entry in
            guard entry.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(entry.dropFirst(3)))
        }
    }
}
