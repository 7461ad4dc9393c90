import Foundation
import Hummingbird

/// Who may read findings, incidents and the change log over the API: the read token, the admin token, or — for
/// one investigation's findings only — the signed token of that investigation's page link.
public struct ReadAccess: Sendable {
    private let tokens: [BearerToken]
    private let pageToken: @Sendable (_ token: String, _ investigationID: Int64) -> Bool

    /// - Parameters:
    ///   - tokens: bearer tokens that read everything (the read and admin tokens that are configured).
    ///   - pageToken: whether a page link's token opens an investigation.
    public init(
        tokens: [BearerToken],
        pageToken: @escaping @Sendable (_ token: String, _ investigationID: Int64) -> Bool = { _, _ in false }
    ) {
        self.tokens = tokens
        self.pageToken = pageToken
    }

    public static let refusal = "this endpoint needs the read token (or the admin token) as a bearer token"

    /// Whether the request carries a bearer token that reads everything.
    public func admits(_ request: Request) -> Bool {
        tokens.contains { $0.accepts(request.headers) }
    }

    /// Whether `token` is the read or admin token itself (typed into the browser view's login form).
    public func admits(token: String) -> Bool {
        tokens.contains { $0.matches(Data(token.utf8)) }
    }

    /// Throws 401 unless the request carries a read or admin bearer token.
    public func require(_ request: Request) throws {
        guard admits(request) else { throw HTTPError(.unauthorized, message: Self.refusal) }
    }

    /// The `?token=` of a page link, when the request has no bearer token that reads everything; throws 401 when
    /// it has neither.
    public func linkToken(_ request: Request) throws -> String? {
        if admits(request) { return nil }
        guard let token = request.uri.queryParameters["token"], !token.isEmpty else {
            throw HTTPError(.unauthorized, message: Self.refusal + ", or the token of the investigation's page link")
        }
        return String(token)
    }

    /// Throws 401 when a page link's token does not open this investigation.
    public func check(linkToken token: String?, investigationID: Int64) throws {
        guard let token else { return }
        guard pageToken(token, investigationID) else {
            throw HTTPError(.unauthorized, message: "this link's token does not open investigation \(investigationID)")
        }
    }
}
