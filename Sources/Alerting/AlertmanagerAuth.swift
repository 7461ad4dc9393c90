import Foundation
import HTTPTypes
import Outbound
import WebhookIn

/// How `POST /api/incidents` knows a request comes from Alertmanager: the bearer token of its
/// `http_config.authorization`, or the user and password of its `basic_auth`. Running open is a choice made in
/// config (`auth: none`), never a default.
public struct AlertmanagerAuth: Sendable {
    private let bearer: BearerToken?
    /// `user:password`, compared in constant time like a token.
    private let basic: BearerToken?

    /// No check at all.
    public static let none = AlertmanagerAuth(bearer: nil, basic: nil)

    public var isOpen: Bool { bearer == nil && basic == nil }

    public init(bearer: Secret?, basicUser: String?, basicPassword: Secret?) {
        self.bearer = bearer.map(BearerToken.init)
        if let basicUser, let basicPassword {
            self.basic = BearerToken(Secret("\(basicUser):\(basicPassword.reveal())"))
        } else {
            self.basic = nil
        }
    }

    private init(bearer: BearerToken?, basic: BearerToken?) {
        self.bearer = bearer
        self.basic = basic
    }

    public func accepts(_ headers: HTTPFields) -> Bool {
        if isOpen { return true }
        if let bearer, bearer.accepts(headers) { return true }
        guard let basic, let value = headers[.authorization], value.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(value.dropFirst("basic ".count)).trimmingCharacters(in: .whitespaces))
        else { return false }
        return basic.matches(decoded)
    }
}
