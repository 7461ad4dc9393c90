import Foundation
import Investigation
import Testing

@Suite struct ChangeInputTests {
    let now = Date(timeIntervalSince1970: 1_795_185_600)

    @Test func jsonLinesReportEveryBadLine() {
        let text = """
            {"service": "a", "kind": "deploy", "summary": "s", "occurred_at": "2026-11-20T14:30:00Z"}

            not json
            {"service": "b", "kind": "party", "summary": "s", "occurred_at": "2026-11-20T14:30:00Z"}
            """
        let error = #expect(throws: ChangeInput.Invalid.self) { try ChangeInput().changes(fromJSONLines: text) }
        #expect(
            error?.problems == [
                "line 3: not valid JSON",
                #"line 4.kind: "party" is not one of deploy, config, feature_flag, infra, rollback, script, automation, maintenance, operator, other"#,
            ])
    }

    @Test func changesWithoutAnIdGetAStableDerivedOne() throws {
        let body = Data(#"{"service": "a", "kind": "Deploy", "summary": "s", "occurred_at": "2026-11-20T14:30:00Z"}"#.utf8)
        let first = try ChangeInput().changes(fromJSON: body, receivedAt: now)
        let again = try ChangeInput().changes(fromJSON: body, receivedAt: now)
        #expect(first[0].externalID == again[0].externalID)
        #expect(first[0].kind == .deploy)
        #expect(first[0].source == "api")
    }

    @Test func pagerDutyEventWithoutTimestampUsesReceiptTimeAndConfiguredServiceKey() throws {
        let body = Data(
            #"{"routing_key": "x", "payload": {"summary": "Flag on", "custom_details": {"svc": "search", "kind": "feature_flag"}}}"#
                .utf8)
        let change = try ChangeInput(pagerDutyServiceKey: "svc").changes(fromJSON: body, receivedAt: now)[0]
        #expect(change.service == "search")
        #expect(change.kind == .featureFlag)
        #expect(change.occurredAt == now)
    }

    @Test func pagerDutyEventWithoutServiceNamesBothPlaces() {
        let body = Data(#"{"routing_key": "x", "payload": {"summary": "Deployed"}}"#.utf8)
        let error = #expect(throws: ChangeInput.Invalid.self) { try ChangeInput().changes(fromJSON: body, receivedAt: now) }
        #expect(error?.problems == ["payload.source: missing (or set custom_details.service) to name the service"])
    }
}
