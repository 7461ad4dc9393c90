import Crypto
import Foundation
import WebhookIn

/// Links to an investigation's page that carry their own access token: an HMAC of the investigation id, so a
/// link opens one investigation only and cannot be guessed from another.
public struct InvestigationLinks: Sendable {
    private let key: SymmetricKey
    private let publicHost: String

    public init(signingKey: Secret, publicHost: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(signingKey.reveal().utf8)))
        self.publicHost = publicHost.hasSuffix("/") ? String(publicHost.dropLast()) : publicHost
    }

    public func url(for investigationID: Int64) -> String {
        "\(publicHost)/investigations/\(investigationID)?token=\(token(for: investigationID))"
    }

    public func token(for investigationID: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("investigation:\(investigationID)".utf8), using: key)
        return Data(mac).prefix(16).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Constant-time check of a token from a link.
    public func verify(_ token: String, for investigationID: Int64) -> Bool {
        SHA256.hash(data: Data(token.utf8)) == SHA256.hash(data: Data(self.token(for: investigationID).utf8))
    }
}
