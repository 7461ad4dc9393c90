import Foundation
import Investigation
import Mustache
import WebhookIn

/// Renders findings as a Slack message (`text` + Block Kit `blocks`) from a Mustache template, so teams can
/// reshape the message without a release.
///
/// Values are escaped for Slack text (`&`, `<`, `>`) and for JSON strings, so an incident title can never break
/// the message. A template that does not parse, or does not render valid Slack JSON, fails at startup.
public struct SlackFindingsTemplate: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String)
        case syntax(path: String, error: String)
        case invalidMessage(path: String, problem: String)

        public var description: String {
            switch self {
            case .unreadable(let path): "Slack template \(path): cannot read the file"
            case .syntax(let path, let error): "Slack template \(path): \(error)"
            case .invalidMessage(let path, let problem):
                "Slack template \(path): rendering a sample investigation did not give a Slack message: \(problem)"
            }
        }
    }

    private let template: MustacheTemplate

    /// Loads and checks a template file.
    public init(path: String) throws(Failure) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path: path) }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String = "(inline)") throws(Failure) {
        Self.registerContentType
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: SLACK_JSON}}" + text)
        } catch {
            throw .syntax(path: path, error: "\(error)")
        }
        do {
            _ = try render(.sample, pageURL: "https://inquest.example.com/investigations/1?token=sample")
        } catch {
            throw .invalidMessage(path: path, problem: error.description)
        }
    }

    public struct RenderError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The message JSON object (`text`, `blocks`), checked to be one.
    public func render(_ findings: Findings, pageURL: String) throws(RenderError) -> String {
        let text = template.render(Self.view(of: findings, pageURL: pageURL))
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw RenderError(description: "not a JSON object")
        }
        guard object["text"] is String || object["blocks"] is [Any] else {
            throw RenderError(description: "needs a \"text\" string or a \"blocks\" array")
        }
        return text
    }

    /// What templates see. Documented in README ("Slack findings template").
    static func view(of findings: Findings, pageURL: String) -> [String: Any] {
        func cause(_ cause: Findings.Cause) -> [String: Any] {
            [
                "rank": cause.rank, "description": Findings.describe(cause.change),
                "service": cause.change.service, "kind": cause.change.kind.rawValue,
                
                "at": Findings.time(cause.change.occurredAt), "confidence": Findings.percent(cause.confidence),
                "band": cause.band.rawValue,
                "factors": cause.factors.map { factor in
                    [
                        "name": factor.name, "points": String(format: "%.1f", factor.points),
                        "weight": Int(factor.weight), "reason": factor.reason,
                    ] as [String: Any]
                },
            // Missing values are left out: a missing key is false in a Mustache section, an empty string is not.
            ].merging(
                ["version": cause.change.version, "url": cause.change.url, "demotion": cause.demotion].compactMapValues { $0 }
            ) { $1 }
        }
        let incident = findings.incident
        return [
            "priority": findings.priority.rawValue,
            "reference": incident.reference ?? incident.incidentID,
            "title": incident.title,
            "summary": findings.summary,
            "services": incident.services.isEmpty ? "no known service" : incident.services.joined(separator: ", "),
            "cause": findings.suspectedCauses.first.map(cause) as Any,
            "others": findings.suspectedCauses.dropFirst().map(cause),
            "has_others": findings.suspectedCauses.count > 1,
            "actions": findings.recommendedActions.map { ["text": $0.text] },
            "has_actions": !findings.recommendedActions.isEmpty,
            "timeline": findings.timeline.suffix(8).map { ["at": Findings.time($0.at), "text": $0.text] },
            "searched": findings.searched,
            "considered": findings.consideredCount,
            "page_url": pageURL,
        ]
    }

    /// Slack text escaping, then JSON string escaping.
    private struct SlackJSON: MustacheContentType {
        func escapeText(_ text: String) -> String {
            var out = ""
            out.reserveCapacity(text.count)
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    private static let registerContentType: Void = MustacheContentTypes.register(SlackJSON(), named: "SLACK_JSON")
}

extension Findings {
    /// A small but complete investigation, for checking templates at startup.
    static var sample: Findings {
        var incident = IncidentIOIncident(id: "01SAMPLE")
        incident.reference = "INC-1"
        incident.name = "Checkout errors \"quoted\" & <escaped>"
        incident.createdAt = "2026-11-20T14:36:00Z"
        let catalog = ServiceCatalog(services: [.init(name: "checkout-service", dependsOn: ["payment-gateway"])])
        let context = IncidentContext(
            incident: incident, priority: .p1, catalog: catalog, defaultEnvironment: nil, fallbackStart: Date())
        let changes = [
            Change(
                id: 1, source: "ci", externalID: "1", service: "payment-gateway", kind: .deploy,
                summary: "Deploy payment-gateway v2.1.0", version: "v2.1.0", url: "https://ci.example.com/1",
                occurredAt: Date(timeIntervalSince1970: 1_795_185_000)),
            Change(
                id: 2, source: "ci", externalID: "2", service: "checkout-service", kind: .config,
                summary: "Raise pool size", occurredAt: Date(timeIntervalSince1970: 1_795_184_000)),
        ]
        let result = Correlator(settings: CorrelationSettings(), catalog: catalog).correlate(context, changes: changes)
        return Findings(incident: context, result: result, previousVersions: [1: "v2.0.9"])
    }
}
