import Crypto
import Foundation
import WebhookIn

/// Links that carry their own access token, an HMAC of what they open: an investigation's page, or an alert
/// incident's acknowledgement page (with an expiry). A link opens one thing only and cannot be guessed from another.
public struct SignedLinks: Sendable {
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
        mac("investigation:\(investigationID)")
    }

    /// Constant-time check of a token from a link.
    public func verify(_ token: String, for investigationID: Int64) -> Bool {
        Self.same(token, self.token(for: investigationID))
    }

    /// The acknowledgement link for an alert incident, valid until `expires`.
    public func ackURL(for incidentID: String, expires: Date) -> String {
        ackURL(for: incidentID, token: ackToken(for: incidentID, expires: expires))
    }

    /// The acknowledgement link carrying `token`: absolute, from `public_host`, so it works behind a path prefix.
    public func ackURL(for incidentID: String, token: String) -> String {
        let id = incidentID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? incidentID
        return "\(publicHost)/api/incidents/ack/\(id)?token=\(token)"
    }

    public func ackToken(for incidentID: String, expires: Date) -> String {
        let expiry = Int64(expires.timeIntervalSince1970)
        return "\(expiry).\(mac("ack:\(incidentID):\(expiry)"))"
    }

    /// Whether an acknowledgement token is this incident's and has not expired.
    public func verifyAck(_ token: String, for incidentID: String, now: Date) -> Bool {
        guard let dot = token.firstIndex(of: "."), let expiry = Int64(token[..<dot]),
            Date(timeIntervalSince1970: TimeInterval(expiry)) > now
        else { return false }
        return Self.same(token, ackToken(for: incidentID, expires: Date(timeIntervalSince1970: TimeInterval(expiry))))
    }

    /// The browser view's link (`inquest link`), or its session cookie's value: valid until `expires`.
    public func indexURL(expires: Date) -> String {
        "\(publicHost)/?token=\(indexToken(expires: expires))"
    }

    public func indexToken(expires: Date) -> String {
        let expiry = Int64(expires.timeIntervalSince1970)
        return "\(expiry).\(mac("index:\(expiry)"))"
    }

    public func verifyIndex(_ token: String, now: Date) -> Bool {
        guard let dot = token.firstIndex(of: "."), let expiry = Int64(token[..<dot]),
            Date(timeIntervalSince1970: TimeInterval(expiry)) > now
        else { return false }
        return Self.same(token, indexToken(expires: Date(timeIntervalSince1970: TimeInterval(expiry))))
    }

    /// Whether links point at an https host: the session cookie is then `Secure`.
    public var isSecure: Bool { publicHost.hasPrefix("https://") }

    private func mac(_ message: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)
        return Data(code).prefix(16).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Comparing digests keeps the comparison constant-time whatever the lengths.
    private static func same(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }
}
