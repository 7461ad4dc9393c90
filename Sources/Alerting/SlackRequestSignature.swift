import Crypto
import Foundation
import Outbound
import WebhookIn

/// Slack's request signing: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">` with the app's
/// signing secret, and `X-Slack-Request-Timestamp` within five minutes, so a captured request cannot be replayed.
public struct SlackRequestSignature: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case missingHeaders, staleTimestamp, mismatch

        public var description: String {
            switch self {
            case .missingHeaders: "missing X-Slack-Signature or X-Slack-Request-Timestamp"
            case .staleTimestamp: "X-Slack-Request-Timestamp outside the 5-minute tolerance"
            case .mismatch: "invalid Slack signature"
            }
        }
    }

    private let key: SymmetricKey
    private let tolerance: TimeInterval = 300

    public init(signingSecret: Secret) {
        key = SymmetricKey(data: Data(signingSecret.reveal().utf8))
    }

    public func verify(signature: String?, timestamp: String?, body: Data, now: Date) throws(Failure) {
        guard let signature, let timestamp, let seconds = Double(timestamp), signature.hasPrefix("v0=") else {
            throw .missingHeaders
        }
        guard abs(now.timeIntervalSince1970 - seconds) <= tolerance else { throw .staleTimestamp }
        guard let mac = Data(hex: signature.dropFirst(3)) else { throw .mismatch }
        var message = Data("v0:\(timestamp):".utf8)
        message.append(body)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) else { throw .mismatch }
    }

    /// The header value Slack would send; for tests and `inquest` tooling.
    public static func sign(body: Data, timestamp: Int64, secret: Secret) -> String {
        var message = Data("v0:\(timestamp):".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.reveal().utf8)))
        return "v0=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Bytes from lowercase or uppercase hex; nil for anything else.
    init?(hex: Substring) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
