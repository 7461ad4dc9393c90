import Foundation
import WebhookIn

/// What correlation needs to know about an incident: when impact started, which services it is about, in which
/// environment, and the words it is described with.
public struct IncidentContext: Sendable, Equatable, Codable {
    public var incidentID: String
    public var reference: String?
    public var title: String
    public var summary: String?
    public var priority: Priority
    public var environment: String?
    public var impactStart: Date
    /// `"Impact started" timestamp` or `created_at`.
    public var impactStartSource: String
    public var createdAt: Date?
    public var services: [String]
    /// `custom field "Affected services"`, `title and summary`, or `none`.
    public var servicesSource: String
    /// The incident's page on incident.io, for the investigation page to link back to.
    public var permalink: String?

    enum CodingKeys: String, CodingKey {
        case incidentID = "incident_id"
        case reference, title, summary, priority, environment, services, permalink
        case impactStart = "impact_start"
        case impactStartSource = "impact_start_source"
        case createdAt = "created_at"
        case servicesSource = "services_source"
    }

    /// Everything the incident says about itself, for content matching.
    var text: String { [title, summary ?? ""].joined(separator: " ") }

    /// - Parameters:
    ///   - fallbackStart: used when the incident carries neither an impact timestamp nor `created_at`.
    public init(
        incident: IncidentIOIncident, priority: Priority, catalog: ServiceCatalog, defaultEnvironment: String?,
        fallbackStart: Date
    ) {
        incidentID = incident.id
        reference = incident.reference
        title = incident.name ?? incident.reference ?? incident.id
        summary = incident.summary
        permalink = incident.permalink.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil }
        self.priority = priority
        createdAt = incident.createdAt.flatMap(Date.init(rfc3339:))

        let impact = incident.incidentTimestampValues?.first { value in
            let name = (value.incidentTimestamp?.name ?? "").lowercased()
            return name.contains("impact") && name.contains("start")
        }
        if let name = impact?.incidentTimestamp?.name, let value = impact?.value?.value.flatMap(Date.init(rfc3339:)) {
            impactStart = value
            impactStartSource = "\"\(name)\" timestamp"
        } else if let createdAt {
            impactStart = createdAt
            impactStartSource = "created_at"
        } else {
            impactStart = fallbackStart
            impactStartSource = "time received"
        }

        var services: [String] = []
        var source = "none"
        var environment: String?
        for entry in incident.customFieldEntries ?? [] {
            let fieldName = entry.customField?.name ?? "custom field"
            for value in entry.values ?? [] {
                let candidates =
                    [value.valueCatalogEntry?.name, value.valueCatalogEntry?.externalID].compactMap { $0 }
                    + (value.valueCatalogEntry?.aliases ?? []) + [value.valueText, value.valueOption?.value].compactMap { $0 }
                if fieldName.lowercased().contains("environment") {
                    environment = environment ?? candidates.first?.lowercased()
                    continue
                }
                let named =
                    candidates.lazy.compactMap { catalog.service(named: $0) }.first
                    ?? value.valueCatalogEntry.flatMap { $0.externalID ?? $0.name }
                if let named, !services.contains(named) {
                    services.append(named)
                    source = "custom field \"\(fieldName)\""
                }
            }
        }
        if services.isEmpty {
            services = catalog.services(mentionedIn: [title, summary ?? ""].joined(separator: " "))
            if !services.isEmpty { source = "title and summary" }
        }
        self.services = services
        servicesSource = source
        self.environment = environment ?? defaultEnvironment
    }
}
