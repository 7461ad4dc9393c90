import Foundation

/// One incident.io webhook delivery, decoded from its envelope `{"event_type": T, T: {…}}`.
public struct IncidentIOEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case created(IncidentIOIncident)
        case updated(IncidentIOIncident)
        /// `private_incident.*`: the delivery carries only the id; the rest must be fetched from the API.
        case privateIncident(id: String, created: Bool)
        /// A type Inquest does not act on; accepted so the sender does not retry.
        case ignored
    }

    /// A delivery Inquest cannot use. The description names what is wrong and is safe to return to the sender.
    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public let eventType: String
    public let kind: Kind
    /// The incident object of a created or updated event exactly as delivered, to store without encoding it again;
    /// nil when it could not be cut out of the body plainly (the decoded incident is stored instead).
    public let incidentJSON: String?

    public var incidentID: String? {
        switch kind {
        case .created(let incident), .updated(let incident): incident.id
        case .privateIncident(let id, _): id
        case .ignored: nil
        }
    }

    /// Decodes a raw delivery body.
    public init(json body: Data) throws(DecodeError) {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: body)
        } catch let error as DecodeError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw DecodeError(description: "body is not valid JSON")
        } catch let error as DecodingError {
            throw DecodeError(description: Self.describe(error))
        } catch {
            throw DecodeError(description: "body is not valid JSON")
        }
        self.eventType = envelope.eventType
        self.kind = envelope.kind
        switch envelope.kind {
        case .created, .updated: incidentJSON = Self.member(at: envelope.resourcePath, in: Array(body))
        case .privateIncident, .ignored: incidentJSON = nil
        }
    }

    private static func member(at path: [String], in object: [UInt8]) -> String? {
        var bytes = object
        for key in path {
            guard let range = JSONMemberSpan.value(forKey: key, in: bytes) else { return nil }
            bytes = Array(bytes[range])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "payload has no \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "payload could not be decoded"
        }
    }
}

extension IncidentIOEvent {
    /// Decodes the envelope in one pass: the resource sits under a key named after the event type.
    private struct Envelope: Decodable {
        let eventType: String
        let kind: Kind
        /// The keys leading from the envelope to the incident object.
        var resourcePath: [String] = []

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// `public_incident.incident_status_updated_v2` nests the incident one level down.
        struct StatusUpdate: Decodable {
            let incident: IncidentIOIncident
        }

        struct PrivateIncident: Decodable {
            let id: String
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            guard let eventType = try container.decodeIfPresent(String.self, forKey: Key("event_type")) else {
                throw DecodeError(description: "payload has no event_type")
            }
            self.eventType = eventType

            func resourceKey() throws -> Key {
                // The short forms (`incident.created`) are accepted with the resource under their own name,
                // `incident` or `data`, as hand-written senders use.
                for name in [eventType, "incident", "data"] where container.contains(Key(name)) {
                    return Key(name)
                }
                throw DecodeError(description: "payload has no \"\(eventType)\" object")
            }

            switch eventType {
            case "public_incident.incident_created_v2", "incident.created":
                let key = try resourceKey()
                kind = .created(try container.decode(IncidentIOIncident.self, forKey: key))
                resourcePath = [key.stringValue]
            case "public_incident.incident_updated_v2", "incident.updated":
                let key = try resourceKey()
                kind = .updated(try container.decode(IncidentIOIncident.self, forKey: key))
                resourcePath = [key.stringValue]
            case "public_incident.incident_status_updated_v2":
                let key = try resourceKey()
                kind = .updated(try container.decode(StatusUpdate.self, forKey: key).incident)
                resourcePath = [key.stringValue, "incident"]
            case "private_incident.incident_created_v2", "private_incident.incident_updated_v2":
                let id = try container.decode(PrivateIncident.self, forKey: resourceKey()).id
                kind = .privateIncident(id: id, created: eventType.hasSuffix("created_v2"))
            default:
                kind = .ignored
            }
            if case .created(let incident) = kind, incident.id.isEmpty {
                throw DecodeError(description: "payload has no incident id")
            }
            if case .updated(let incident) = kind, incident.id.isEmpty {
                throw DecodeError(description: "payload has no incident id")
            }
        }
    }
}
