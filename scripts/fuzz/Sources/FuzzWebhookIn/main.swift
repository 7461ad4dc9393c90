import Alerting
import Foundation
import WebhookIn

// One fuzzer for everything a sender controls on the way in. The first byte picks the parser; the rest is its
// input. A parser may reject anything, but must never trap, hang or accept what it should not.

private let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
private let now = Date(timeIntervalSince1970: 1_795_185_600)
private let verifier = try! SignatureVerifier(secrets: [secret], now: { now })
private let routes = OncallRoutes(canPage: true, pagerDutyRoutingKeys: ["infra"], incidentIOAlertSources: ["infra"])
private let policy = InvestigationPolicy()

/// Splits `bytes` at NUL into at most `count` fields; the last keeps any further NULs.
private func fields(_ bytes: UnsafeRawBufferPointer, _ count: Int) -> [Data] {
    var parts: [Data] = []
    var rest = bytes[...]
    while parts.count < count - 1, let nul = rest.firstIndex(of: 0) {
        parts.append(Data(rest[..<nul]))
        rest = rest[(nul + 1)...]
    }
    parts.append(Data(rest))
    return parts
}

private func string(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let selector = start.load(as: UInt8.self)
    let input = UnsafeRawBufferPointer(start: start + 1, count: count - 1)
    switch selector % 4 {
    case 0:
        // Headers and body as a sender controls them: whatever they are, only a correct signature passes.
        let parts = fields(input, 4)
        guard parts.count == 4 else { return 0 }
        let (id, timestamp, signatures, body) = (string(parts[0]), string(parts[1]), string(parts[2]), parts[3])
        if (try? verifier.verify(id: id, timestamp: timestamp, signatures: signatures, body: body)) != nil {
            let expected = try! SignatureVerifier.sign(id: id, timestamp: Int64(timestamp)!, body: body, secret: secret)
            precondition(signatures.contains(expected.dropFirst(3)), "accepted a delivery without its signature")
        }
        // And the signature a sender computes always passes.
        let signed = try! SignatureVerifier.sign(id: id.isEmpty ? "msg" : id, timestamp: 1_795_185_600, body: body, secret: secret)
        try! verifier.verify(id: id.isEmpty ? "msg" : id, timestamp: "1795185600", signatures: "v1,bogus " + signed, body: body)
    case 1:
        // An incident.io delivery body, through to the decision the receiver makes from it.
        guard let event = try? IncidentIOEvent(json: Data(input)) else { return 0 }
        _ = event.incidentID
        if case .created(let incident) = event.kind {
            let (priority, _) = policy.priority(forSeverity: incident.severity?.name)
            _ = policy.decide(priority: priority, mode: incident.mode)
        }
    case 2:
        // An Alertmanager body, through to the title and the values templates read.
        guard let payload = try? AlertmanagerPayload.decode(Data(input)) else { return 0 }
        _ = payload.title
        _ = payload.value("severity")
        _ = payload.isResolved
    default:
        // A query string's overrides.
        var query: [String: String] = [:]
        for pair in string(Data(input)).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
        }
        _ = try? OncallOverrides(query: query, routes: routes)
    }
    return 0
}
