import Foundation
import Outbound
import WebhookIn

/// A Prometheus Alertmanager webhook body (version 4). Every field is optional: any JSON object is accepted and
/// kept as sent for templates; these are the fields Inquest itself reads.
public struct AlertmanagerPayload: Decodable, Sendable, Equatable {
    public struct Alert: Decodable, Sendable, Equatable {
        public var status: String?
        public var labels: [String: String]?
        public var annotations: [String: String]?
        public var startsAt: String?
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?
    }

    public var status: String?
    public var receiver: String?
    public var groupKey: String?
    public var groupLabels: [String: String]?
    public var commonLabels: [String: String]?
    public var commonAnnotations: [String: String]?
    public var externalURL: String?
    public var alerts: [Alert]?
    /// Alerts left out of `alerts` by the receiver's `max_alerts`.
    public var truncatedAlerts: Int?

    public init() {}

    public var isResolved: Bool { status == "resolved" }

    /// The first label or annotation value found under `name`, across the common set and each alert.
    public func value(_ name: String) -> String? {
        commonLabels?[name] ?? commonAnnotations?[name] ?? groupLabels?[name]
            ?? alerts?.lazy.compactMap { $0.labels?[name] ?? $0.annotations?[name] }.first
    }

    /// A readable one-line title: the summary annotation, else the alert name, else the receiver.
    public var title: String {
        value("summary") ?? value("alertname") ?? receiver.map { "Alert for \($0)" } ?? "Alert"
    }

    /// A body Inquest cannot use; the description is safe to return to the sender.
    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Decodes a body, or says what is wrong with it in words fit for a 400 answer.
    public static func decode(_ body: Data) throws(DecodeError) -> AlertmanagerPayload {
        guard (try? JSONSerialization.jsonObject(with: body)) is [String: Any] else {
            throw DecodeError(description: "body is not a JSON object")
        }
        do {
            return try JSONDecoder().decode(AlertmanagerPayload.self, from: body)
        } catch DecodingError.typeMismatch(let type, let context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw DecodeError(description: "\(path): expected \(type)")
        } catch {
            throw DecodeError(description: "not an Alertmanager payload")
        }
    }
}
