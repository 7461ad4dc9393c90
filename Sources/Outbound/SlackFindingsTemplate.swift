import Foundation
import Investigation
import WebhookIn

/// The findings message posted to an incident's Slack channel (`config/slack_findings.mustache`).
public struct SlackFindingsTemplate: Sendable {
    private let template: SlackMessageTemplate

    /// Loads and checks a template file.
    public init(path: String) throws(SlackMessageTemplate.Failure) {
        template = try SlackMessageTemplate(path: path, sample: Self.view(of: .sample, pageURL: Self.samplePage))
    }

    public init(text: String) throws(SlackMessageTemplate.Failure) {
        template = try SlackMessageTemplate(text: text, sample: Self.view(of: .sample, pageURL: Self.samplePage))
    }

    /// The message JSON object (`text`, `blocks`).
    public func render(_ findings: Findings, pageURL: String) throws(SlackMessageTemplate.RenderError) -> String {
        try template.render(Self.view(of: findings, pageURL: pageURL))
    }

    private static let samplePage = "https://inquest.example.com/investigations/1?token=sample"

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
                ["version": cause.change.version, "url": cause.change.linkURL, "demotion": cause.demotion].compactMapValues { $0 }
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
            "metrics": findings.metricEvidence.prefix(5).map { ["text": $0] },
            "has_metrics": !findings.metricEvidence.isEmpty,
            "timeline": findings.timeline.suffix(8).map { ["at": Findings.time($0.at), "text": $0.text] },
            "searched": findings.searched,
            "considered": findings.consideredCount,
            "page_url": pageURL,
        ]
    }
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
