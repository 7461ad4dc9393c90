import Crypto
import Foundation
import HTTPTypes
import Investigation
import WebhookIn

/// LaunchDarkly webhooks, signed `X-LD-Signature: <hex HMAC-SHA256 of the body>`: each delivery is one audit-log
/// entry, and a flag's entries become `feature_flag` changes.
///
/// LaunchDarkly may deliver entries out of order; each change is dated by its entry's `date`, not by its arrival,
/// so the change log orders them as they happened.
public struct LaunchDarklySource: ChangeSource {
    public let name = "launchdarkly"
    private let signature: HexSignature<SHA256>

    public init(secrets: [Secret]) {
        signature = HexSignature(header: "X-LD-Signature", secrets: secrets)
    }

    public func authenticate(_ headers: HTTPFields, body: Data) throws(ChangeSourceRejection) {
        try signature.verify(headers, body: body)
    }

    public func event(from body: Data, headers: HTTPFields) throws(ChangeSourceRejection) -> ChangeSourceEvent {
        let entry = try decode(AuditEntry.self, from: body, source: "LaunchDarkly")
        guard entry.kind == "flag" else {
            return .ignored("LaunchDarkly \(entry.kind) changes are not recorded; only flag changes are")
        }
        // `proj/default:env/production:flag/new-checkout-flow`
        let resource = entry.accesses?.first?.resource ?? entry.target?.resources?.first ?? ""
        let parts = Dictionary(
            resource.split(separator: ":").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "/", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0].split(separator: ";")[0]), String(pair[1].split(separator: ";")[0])) : nil
            }, uniquingKeysWith: { first, _ in first })
        guard let flag = parts["flag"] ?? entry.currentVersion?.key else {
            throw .malformed("LaunchDarkly payload names no flag (accesses[0].resource has no flag/…)")
        }
        let environment = parts["env"]
        let settings = environment.flatMap { entry.currentVersion?.environments?[$0] }
        let member = entry.member.flatMap { member in
            let name = [member.firstName, member.lastName].compactMap { $0 }.joined(separator: " ")
            return name.isEmpty ? member.email : name
        }

        var summary = [member, entry.titleVerb ?? "changed the flag", entry.name ?? flag].compactMap { $0 }.joined(separator: " ")
        if let environment { summary += " in \(environment)" }
        var metadata = ["flag": flag]
        metadata["project"] = parts["proj"]
        metadata["actions"] = entry.accesses?.map(\.action).joined(separator: ",")
        if let on = settings?.on { metadata["on"] = on ? "true" : "false" }
        if let rollout = settings?.defaultRule?.rollout?.variations, !rollout.isEmpty {
            let shares = rollout.map { "variation \($0.variation): \(Self.percent($0.weight))" }.joined(separator: ", ")
            metadata["rollout"] = shares
            summary += " (rollout \(shares))"
        }
        return .change(
            SourceChange(
                subject: flag, alternatives: (entry.currentVersion?.tags ?? []) + [parts["proj"]].compactMap { $0 },
                environment: environment, kind: .featureFlag, summary: summary, version: entry.currentVersion?.version.map(String.init),
                author: member, url: entry.target?.links?.site?.href.map { "https://app.launchdarkly.com" + $0 },
                occurredAt: Date(timeIntervalSince1970: Double(entry.date) / 1000), eventID: entry.id, metadata: metadata))
    }

    /// Rollout weights are in thousandths of a percent: 25000 is 25 %.
    private static func percent(_ weight: Int) -> String {
        let value = Double(weight) / 1000
        return value.rounded() == value ? "\(Int(value)) %" : String(format: "%.1f %%", value)
    }
}

/// The parts of a LaunchDarkly audit-log entry Inquest reads.
struct AuditEntry: Decodable {
    struct Access: Decodable {
        var action: String
        var resource: String?
    }

    struct Member: Decodable {
        var email: String?
        var firstName: String?
        var lastName: String?
    }

    struct Link: Decodable {
        var href: String?
    }

    struct Links: Decodable {
        var site: Link?
    }

    struct Target: Decodable {
        var resources: [String]?
        var links: Links?

        enum CodingKeys: String, CodingKey {
            case resources
            case links = "_links"
        }
    }

    struct Variation: Decodable {
        var variation: Int
        var weight: Int
    }

    struct Rollout: Decodable {
        var variations: [Variation]?
    }

    struct Fallthrough: Decodable {
        var rollout: Rollout?
    }

    struct EnvironmentSettings: Decodable {
        var on: Bool?
        var defaultRule: Fallthrough?

        enum CodingKeys: String, CodingKey {
            case on
            case defaultRule = "fallthrough"
        }
    }

    struct Flag: Decodable {
        var key: String?
        var version: Int?
        var tags: [String]?
        var environments: [String: EnvironmentSettings]?

        enum CodingKeys: String, CodingKey {
            case key, tags, environments
            case version = "_version"
        }
    }

    var id: String
    var kind: String
    var date: Int64
    var name: String?
    var titleVerb: String?
    var accesses: [Access]?
    var member: Member?
    var target: Target?
    var currentVersion: Flag?

    enum CodingKeys: String, CodingKey {
        case kind, date, name, titleVerb, accesses, member, target, currentVersion
        case id = "_id"
    }
}
