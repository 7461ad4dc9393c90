import Foundation
import GRDB
import Hummingbird
import Investigation
import Mustache
import WebhookIn

/// The browser view: `GET /` lists recent incidents with their investigation's status and leading cause, each
/// linking to its investigation page; `GET /api/incidents` is the same list as JSON, a page at a time.
///
/// A browser signs in once — with the link `inquest link` prints, or by typing the read token into the form — and
/// then holds a signed, expiring session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` behind https): no token
/// stays in the address bar or the history.
public struct IncidentIndexController: Sendable {
    private let incidents: IncidentStore
    private let database: any DatabaseReader
    private let readAccess: ReadAccess
    private let links: SignedLinks
    private let sessionLifetime: TimeInterval
    private let now: @Sendable () -> Date

    public init(
        incidents: IncidentStore, database: any DatabaseReader, readAccess: ReadAccess, links: SignedLinks,
        sessionLifetime: Duration = .seconds(12 * 3600), now: @escaping @Sendable () -> Date
    ) {
        self.incidents = incidents
        self.database = database
        self.readAccess = readAccess
        self.links = links
        self.sessionLifetime = sessionLifetime.seconds
        self.now = now
    }

    static let cookie = "inquest_session"

    public func addRoutes(to router: Router<some RequestContext>) {
        router.get("/api/incidents") { request, _ in
            try readAccess.require(request)
            let query = request.uri.queryParameters
            guard let limit = Int(query.get("limit") ?? "50"), (1...200).contains(limit) else {
                throw HTTPError(.badRequest, message: "limit must be a number from 1 to 200")
            }
            let before = try query.get("before").map { text in
                guard let date = Date(rfc3339: text) else {
                    throw HTTPError(.badRequest, message: "before must be an RFC 3339 timestamp such as 2026-11-20T14:00:00Z")
                }
                return date
            }
            let rows = try await list(limit: limit, before: before)
            return try jsonResponse(Page(incidents: rows, nextBefore: rows.count == limit ? rows.last?.firstSeenAt : nil), status: .ok)
        }
        router.get("/") { request, _ in
            if let token = request.uri.queryParameters["token"].map(String.init) {
                guard links.verifyIndex(token, now: now()) else { return html(Self.login, ["error": "This link has expired or is not valid."], status: .unauthorized) }
                return signedIn()
            }
            guard hasSession(request) || readAccess.admits(request) else { return html(Self.login, [:], status: .unauthorized) }
            let rows = try await list(limit: 50, before: nil)
            return html(Self.index, ["incidents": rows.map(\.view), "none": rows.isEmpty], status: .ok)
        }
        router.post("/login") { request, _ in
            let form = try await request.body.collect(upTo: 16 << 10)
            let typed = try? URLEncodedFormDecoder().decode(Login.self, from: String(buffer: form))
            guard let token = typed?.token, readAccess.admits(token: token) else {
                return html(Self.login, ["error": "That is not the read token or the admin token."], status: .unauthorized)
            }
            return signedIn()
        }
    }

    private struct Login: Decodable {
        var token: String
    }

    /// One incident as the list shows it.
    struct Row: Encodable, Sendable {
        var id: String
        var reference: String?
        var name: String?
        var priority: String
        var decision: String
        var firstSeenAt: String
        var investigationID: Int64?
        var investigationStatus: String?
        var topCause: String?
        var confidence: Double?
        var band: String?
        var pageURL: String?

        enum CodingKeys: String, CodingKey {
            case id, reference, name, priority, decision, confidence, band
            case firstSeenAt = "first_seen_at"
            case investigationID = "investigation_id"
            case investigationStatus = "investigation_status"
            case topCause = "top_cause"
            case pageURL = "page_url"
        }

        var view: [String: Any] {
            [
                "reference": reference ?? id, "name": name ?? "", "priority": priority, "first_seen": firstSeenAt,
                "status": investigationStatus ?? decision, "cause": topCause ?? "", "url": pageURL ?? "",
                "confidence": confidence.map(Findings.percent) ?? "", "band": band ?? "",
            ]
        }
    }

    struct Page: Encodable {
        var incidents: [Row]
        /// Pass as `before` for the next page; absent on the last one.
        var nextBefore: String?

        enum CodingKeys: String, CodingKey {
            case incidents
            case nextBefore = "next_before"
        }
    }

    private func list(limit: Int, before: Date?) async throws -> [Row] {
        let records = try await incidents.recent(limit: limit, before: before)
        let ids = records.compactMap(\.investigationID)
        let summaries = try await database.read { db in try InvestigationStore().summaries(ofInvestigations: ids, in: db) }
        return records.map { record in
            let summary = record.investigationID.flatMap { summaries[$0] }
            return Row(
                id: record.id, reference: record.reference, name: record.name, priority: record.priority.rawValue,
                decision: record.decision, firstSeenAt: record.firstSeenAt.rfc3339,
                investigationID: record.investigationID, investigationStatus: summary?.status,
                topCause: summary?.topCause.map { Findings.describe($0.change) }, confidence: summary?.topCause?.confidence,
                band: summary?.topCause?.band.rawValue, pageURL: record.investigationID.map(links.url(for:)))
        }
    }

    private func hasSession(_ request: Request) -> Bool {
        guard let header = request.headers[.cookie] else { return false }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == Self.cookie, links.verifyIndex(String(pair[1]), now: now()) { return true }
        }
        return false
    }

    /// Sets the session cookie and sends the browser to `/`, dropping the link's token from the address bar.
    private func signedIn() -> Response {
        let token = links.indexToken(expires: now().addingTimeInterval(sessionLifetime))
        var headers = TokenPageHeaders.html(contentSecurityPolicy: "default-src 'none'")
        headers[.location] = "/"
        headers[.setCookie] =
            "\(Self.cookie)=\(token); Path=/; Max-Age=\(Int(sessionLifetime)); HttpOnly; SameSite=Strict"
            + (links.isSecure ? "; Secure" : "")
        return Response(status: .seeOther, headers: headers)
    }

    private func html(_ template: MustacheTemplate, _ data: [String: Any], status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: TokenPageHeaders.html(
                contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
            body: .init(byteBuffer: ByteBuffer(string: template.render(data))))
    }

    private static let style = """
        <style>body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}
        h1{font-size:1.4rem}td,th{padding:.3rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
        .muted{color:#666}.error{color:#b00}</style>
        """

    private static let index = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Inquest: recent incidents</title>\(style)</head><body>
            <h1>Recent incidents</h1>
            {{#none}}<p class="muted">No incident yet. Incidents appear here as incident.io declares them.</p>{{/none}}
            {{^none}}<table><tr><th>Incident</th><th>Priority</th><th>Received (UTC)</th><th>Investigation</th><th>Leading cause</th></tr>
            {{#incidents}}<tr><td>{{#url}}<a href="{{url}}">{{reference}}</a>{{/url}}{{^url}}{{reference}}{{/url}} {{name}}</td>
            <td>{{priority}}</td><td>{{first_seen}}</td><td>{{status}}</td>
            <td>{{cause}}{{#confidence}} <span class="muted">({{confidence}}, {{band}})</span>{{/confidence}}</td></tr>{{/incidents}}
            </table>{{/none}}
            </body></html>
            """)

    private static let login = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Inquest: sign in</title>\(style)</head><body>
            <h1>Inquest</h1>
            {{#error}}<p class="error">{{error}}</p>{{/error}}
            <p>Open the link <code>inquest link</code> prints, or sign in with the read token.</p>
            <form method="post" action="/login"><label>Read token <input type="password" name="token" autocomplete="off"></label>
            <button>Sign in</button></form>
            </body></html>
            """)
}
