import Foundation

/// Files under `Tests/InquestTests/Fixtures`: real vendor payloads and independent test vectors.
enum Fixtures {
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return try Data(contentsOf: url)
    }

    /// A change tool's delivery under `Fixtures/changes`, in the vendor's documented shape.
    static func change(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/changes") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return try Data(contentsOf: url)
    }

    /// The realistic incident.io `incident_created_v2` delivery, with chosen fields replaced.
    static func incidentDelivery(
        eventType: String = "public_incident.incident_created_v2",
        id: String = "01JD3X8Z4MP7Y0V6N2W5X3R9TB",
        severity: String? = "High",
        mode: String = "standard",
        updatedAt: String = "2026-11-20T14:36:00.000000Z"
    ) throws -> Data {
        var envelope = try JSONSerialization.jsonObject(with: data("incident-created.json")) as! [String: Any]
        var incident = envelope["public_incident.incident_created_v2"] as! [String: Any]
        envelope.removeValue(forKey: "public_incident.incident_created_v2")
        incident["id"] = id
        incident["mode"] = mode
        incident["updated_at"] = updatedAt
        if let severity {
            var object = incident["severity"] as! [String: Any]
            object["name"] = severity
            incident["severity"] = object
        } else {
            incident.removeValue(forKey: "severity")
        }
        envelope["event_type"] = eventType
        envelope[eventType] = incident
        return try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys])
    }
}
