import Foundation
import GRDB
import Hummingbird
import Investigation
import Mustache
import WebhookIn

/// `GET /investigations/{id}`: the findings as a plain HTML page, the link target of Slack posts and incident.io
/// entries. Opens with the link's own token, or the admin token as a bearer token.
public struct InvestigationPageController: Sendable {
    private let database: any DatabaseReader
    private let links: SignedLinks
    private let adminToken: BearerToken?

    public init(database: any DatabaseReader, links: SignedLinks, adminToken: BearerToken?) {
        self.database = database
        self.links = links
        self.adminToken = adminToken
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.get("/investigations/{id}") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let token = request.uri.queryParameters["token"].map(String.init)
            guard token.map({ links.verify($0, for: id) }) == true || adminToken?.accepts(request.headers) == true else {
                throw HTTPError(.forbidden, message: "this link needs its token, or the admin token")
            }
            guard let found = try await database.read({ db in try InvestigationStore().findings(ofInvestigation: id, in: db) })
            else { throw HTTPError(.notFound, message: "no investigation \(id)") }
            let html = Self.page.render(Self.view(id: id, status: found.status, findings: found.findings))
            return Response(
                status: .ok,
                headers: TokenPageHeaders.html(contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"),
                body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    static func view(id: Int64, status: String, findings: Findings?) -> [String: Any] {
        guard let findings else { return ["id": id, "status": status] }
        return [
            "id": id, "status": status, "findings": true,
            "reference": findings.incident.reference ?? findings.incident.incidentID,
            "title": findings.incident.title, "priority": findings.priority.rawValue, "summary": findings.summary,
            "permalink": findings.incident.permalink as Any,
            "causes": findings.suspectedCauses.map { cause in
                [
                    "rank": cause.rank, "description": Findings.describe(cause.change), 
                    "confidence": Findings.percent(cause.confidence), "band": cause.band.rawValue,
                    "factors": cause.factors.map { ["name": $0.name, "points": String(format: "%+.1f", $0.points), "reason": $0.reason] },
                ].merging(["url": cause.change.linkURL, "demotion": cause.demotion].compactMapValues { $0 }) { $1 }
            },
            "evidence": findings.evidence, "actions": findings.recommendedActions.map(\.text),
            "timeline": findings.timeline.map { ["at": Findings.time($0.at), "text": $0.text] },
            "searched": findings.searched,
            "charts": findings.metrics.map { Self.charts($0, causes: findings.suspectedCauses) } ?? [],
        ]
    }

    /// One inline SVG chart per series read (no script, nothing fetched): the series as a line, its onset as a red
    /// dashed line, and each suspected cause as a marker labelled with its rank. Numbers only go into the SVG's
    /// attributes; every text is passed to the template, which escapes it.
    static func charts(_ metrics: MetricEvidence, causes: [Findings.Cause]) -> [[String: Any]] {
        let width = 600.0
        let height = 120.0
        return metrics.series.prefix(6).compactMap { series -> [String: Any]? in
            guard let first = series.points.first?.at, let last = series.points.last?.at, last > first else { return nil }
            let values = series.points.map(\.value)
            let low = values.min() ?? 0
            let high = max(values.max() ?? 1, low + 1e-9)
            func x(_ date: Date) -> Double { (date.timeIntervalSince(first) / last.timeIntervalSince(first)) * width }
            func y(_ value: Double) -> Double { height - 10 - (value - low) / (high - low) * (height - 30) }
            let onset = metrics.onsets.first { $0.service == series.service && $0.metric == series.metric && $0.labels == series.labels }
            let place = series.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let marked = causes.filter { (first...last).contains($0.change.occurredAt) }
                .map { (x: x($0.change.occurredAt), rank: $0.rank) }.sorted { $0.x < $1.x }
            var chart: [String: Any] = [
                "title": "\(series.service) \(series.metric)" + (place.isEmpty ? "" : " (\(place))"),
                "points": series.points.map { String(format: "%.1f,%.1f", x($0.at), y($0.value)) }.joined(separator: " "),
                "range": "\(Onset.format(low)) – \(Onset.format(high))",
                "markers": marked.map { String(format: "%.1f", $0.x) },
                "labels": labels(marked).map {
                    ["x": String(format: "%.1f", $0.x), "text": $0.text, "anchor": $0.x > width - 40 ? "end" : "start"]
                },
            ]
            if let onset {
                chart["onset_x"] = String(format: "%.1f", x(onset.at))
                chart["onset"] = onset.description
            }
            return chart
        }
    }

    /// One label per cluster of markers closer than a label is wide ("#1 #3" over changes minutes apart), so ranks
    /// never print over each other; each label sits over its cluster's first marker.
    public static func labels(_ markers: [(x: Double, rank: Int)]) -> [(x: Double, text: String)] {
        var labels: [(x: Double, ranks: [Int])] = []
        for marker in markers {
            if let last = labels.last, marker.x - last.x < 8 + 14 * Double(last.ranks.count) {
                labels[labels.count - 1].ranks.append(marker.rank)
            } else {
                labels.append((marker.x, [marker.rank]))
            }
        }
        return labels.map { ($0.x, $0.ranks.sorted().map { "#\($0)" }.joined(separator: " ")) }
    }

    // HTML-escaped by default; no scripts, no external assets.
    private static let page = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Inquest investigation {{id}}</title>
            <style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
            h1{font-size:1.4rem}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}.muted{color:#666}</style>
            </head><body>
            <p class="muted"><a href="/">All incidents</a></p>
            {{#findings}}
            <h1>{{priority}} {{reference}}: {{title}}</h1>
            {{#permalink}}<p><a href="{{permalink}}">Open {{reference}} in incident.io</a></p>{{/permalink}}
            <p>{{summary}}</p>
            <h2>Suspected causes</h2>
            {{#causes}}
            <h3>#{{rank}} {{#url}}<a href="{{url}}">{{description}}</a>{{/url}}{{^url}}{{description}}{{/url}}: {{confidence}} ({{band}})</h3>
            <table>{{#factors}}<tr><th>{{name}}</th><td>{{points}}</td><td>{{reason}}</td></tr>{{/factors}}</table>
            {{#demotion}}<p class="muted">Demoted: {{demotion}}</p>{{/demotion}}
            {{/causes}}
            {{^causes}}<p>No suspected cause.</p>{{/causes}}
            <h2>Recommended actions</h2><ul>{{#actions}}<li>{{.}}</li>{{/actions}}</ul>
            <h2>Evidence</h2><ul>{{#evidence}}<li>{{.}}</li>{{/evidence}}</ul>
            {{#charts}}
            <figure><figcaption>{{title}} <span class="muted">({{range}}){{#onset}}; onset: {{onset}}{{/onset}}</span></figcaption>
            <svg viewBox="0 0 600 120" width="600" height="120" role="img" aria-label="{{title}}" style="background:#fafafa">
            <polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="{{points}}"/>
            {{#onset_x}}<line x1="{{onset_x}}" x2="{{onset_x}}" y1="0" y2="120" stroke="#d1242f" stroke-dasharray="4 3"/>{{/onset_x}}
            {{#markers}}<line x1="{{.}}" x2="{{.}}" y1="12" y2="120" stroke="#555"/>{{/markers}}
            {{#labels}}<text x="{{x}}" y="10" font-size="10" text-anchor="{{anchor}}">{{text}}</text>{{/labels}}
            </svg></figure>
            {{/charts}}
            <h2>Timeline (UTC)</h2><table>{{#timeline}}<tr><td>{{at}}</td><td>{{text}}</td></tr>{{/timeline}}</table>
            <p class="muted">Searched: {{searched}}. Investigation {{id}}.</p>
            {{/findings}}
            {{^findings}}<h1>Investigation {{id}}</h1><p>Status: {{status}}. This page shows the findings once it is done.</p>{{/findings}}
            </body></html>
            """)
}
