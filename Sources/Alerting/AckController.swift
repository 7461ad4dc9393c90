import Foundation
import Hummingbird
import Mustache
import Outbound
import WebhookIn

/// `/api/incidents/ack/{id}?token=…`, the acknowledgement link in alert notifications.
///
/// `GET` only shows a confirmation page: link unfurlers and mail scanners fetch URLs with GET and must never
/// acknowledge. The page's button makes the `POST` that does. The token is an HMAC of the incident id and an expiry.
public struct AckController: Sendable {
    private let escalations: Escalations
    private let links: SignedLinks
    private let now: @Sendable () -> Date

    public init(escalations: Escalations, links: SignedLinks, now: @escaping @Sendable () -> Date) {
        self.escalations = escalations
        self.links = links
        self.now = now
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.get("/api/incidents/ack/{id}") { request, context in
            let (id, token) = try authorize(request, context: context)
            guard let row = try await escalations.escalation(id) else { throw HTTPError(.notFound, message: "no incident \(id)") }
            return page([
                "id": id, "action": links.ackURL(for: id, token: token), "acknowledged_by": row.acknowledgedBy as Any,
                "state": row.state, "open": row.acknowledgedBy == nil,
            ])
        }
        router.post("/api/incidents/ack/{id}") { request, context in
            let (id, _) = try authorize(request, context: context)
            let form = try await request.body.collect(upTo: 16 << 10)
            let typed = try? URLEncodedFormDecoder().decode(AckForm.self, from: String(buffer: form))
            let by = Self.displayName(typed?.by) ?? "someone (ack link)"
            let message: String
            let outcome = try await escalations.acknowledge(id, by: by, at: now())
            context.logger.info(
                "alert acknowledged by link", metadata: ["incident_id": "\(id)", "by": "\(by)", "outcome": "\(outcome)"])
            switch outcome {
            case .unknownIncident: throw HTTPError(.notFound, message: "no incident \(id)")
            case .acknowledged(let cancelled):
                message = "Acknowledged by \(by)." + (cancelled ? " On-call will not be paged." : "")
            case .acknowledgedAfterPage:
                message = "Acknowledged by \(by). On-call had already been paged; the acknowledgement was passed on."
            case .alreadyAcknowledged(let who, let when):
                message = "Already acknowledged by \(who) at \(when.rfc3339)."
            }
            return page(["id": id, "done": message])
        }
    }

    private func authorize(_ request: Request, context: some RequestContext) throws -> (id: String, token: String) {
        let id = try context.parameters.require("id")
        guard let token = request.uri.queryParameters["token"].map(String.init), links.verifyAck(token, for: id, now: now())
        else {
            context.logger.warning("acknowledgement refused: link invalid or expired", metadata: ["incident_id": "\(id)"])
            throw HTTPError(.forbidden, message: "this acknowledgement link is invalid or has expired")
        }
        return (id, token)
    }

    private func page(_ data: [String: Any]) -> Response {
        Response(
            status: .ok,
            headers: TokenPageHeaders.html(
                contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
            body: .init(byteBuffer: ByteBuffer(string: Self.template.render(data))))
    }

    private struct AckForm: Decodable {
        var by: String?
    }

    /// The name typed on the page as one line of at most 100 characters: newlines, tabs and other control or
    /// format characters become single spaces, so a name cannot add lines to the Slack message it appears in.
    public static func displayName(_ typed: String?) -> String? {
        let words = (typed ?? "").unicodeScalars
            .split { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
                || $0.properties.isWhitespace || $0.properties.generalCategory == .lineSeparator
                || $0.properties.generalCategory == .paragraphSeparator }
            .map { String(String.UnicodeScalarView($0)) }
        let name = String(words.joined(separator: " ").prefix(100))
        return name.isEmpty ? nil : name
    }

    // HTML-escaped by default; no scripts.
    private static let template = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Acknowledge {{id}}</title>
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}</style>
            </head><body>
            <h1>Incident {{id}}</h1>
            {{#done}}<p>{{done}}</p>{{/done}}
            {{^done}}
            {{#open}}
            <form method="post" action="{{action}}">
            <p><label>Your name <input name="by" maxlength="100" autocomplete="name"></label></p>
            <p><button type="submit">Acknowledge</button></p>
            </form>
            {{/open}}
            {{^open}}<p>Already acknowledged by {{acknowledged_by}}.</p>{{/open}}
            {{/done}}
            </body></html>
            """)
}
