import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import NIOCore
import Testing

/// The listener faces the internet: slow, idle and oversized clients must not hold it, and it keeps answering.
@Suite struct ServerLimitsTests {
    func live(
        _ configure: @escaping (inout InquestConfig) -> Void, _ body: @Sendable (Int, TestEnvironment) async throws -> Void
    ) async throws {
        let env = try TestEnvironment.queueOnly(configure: configure)
        try await env.makeApp().test(.live) { client in
            try await body(try #require(client.port), env)
        }
    }

    @Test func anIdleConnectionIsClosed() async throws {
        try await live({ $0.http.idleTimeoutSeconds = 0.5 }) { port, _ in
            let idle = try RawConnection(port: port)
            #expect(try await idle.readUntilClosed(timeout: .seconds(5)) == "")
        }
    }

    @Test func aRequestWhoseHeadersNeverFinishIsClosed() async throws {
        try await live({ $0.http.idleTimeoutSeconds = 0.5 }) { port, _ in
            let slow = try RawConnection(port: port)
            try slow.send("POST /api/incident-io/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: app")
            #expect(try await slow.readUntilClosed(timeout: .seconds(5)) != nil)
        }
    }

    @Test func aBodyThatStopsArrivingIsClosed() async throws {
        try await live({ $0.http.idleTimeoutSeconds = 0.5 }) { port, _ in
            let slow = try RawConnection(port: port)
            try slow.send(
                "POST /api/incident-io/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000\r\n\r\n{\"event_type\": ")
            #expect(try await slow.readUntilClosed(timeout: .seconds(5)) != nil)
        }
    }

    @Test func connectionsBeyondTheLimitWaitAndTheServerStillAnswers() async throws {
        try await live({
            $0.http.idleTimeoutSeconds = 0.5
            $0.http.maxConnections = 4
        }) { port, _ in
            let hogs = try (0..<8).map { _ in try RawConnection(port: port) }
            let health = try RawConnection(port: port)
            try health.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let answer = try await health.readUntilClosed(timeout: .seconds(10))
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(answer ?? "no answer")")
            withExtendedLifetime(hogs) {}
        }
    }

    @Test func halfSentBodiesBeyondTheBudgetAreRefusedAtOnce() async throws {
        try await live({
            $0.http.idleTimeoutSeconds = 30
            $0.http.maxBodyBytesInFlight = 4 << 20
        }) { port, _ in
            // Four deliveries of 1 MiB each, half sent: the webhook waits for each whole body before verifying it.
            let holders = try (0..<4).map { _ in try RawConnection(port: port) }
            for holder in holders {
                try holder.send(
                    "POST /api/incident-io/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(1 << 20)\r\n\r\n{\"event_type\": ")
            }
            // Their reservations are made once their heads are routed; retry until all four are (30 s at most: on a
            // loaded machine routing four heads can take seconds).
            let refused = try await eventuallyValue(timeout: .seconds(30)) { () -> String? in
                let next = try RawConnection(port: port)
                try next.send(
                    "POST /api/incident-io/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Connection: close\r\nContent-Length: 2\r\n\r\n{}")
                let answer = try await next.readUntilClosed(timeout: .seconds(5)) ?? ""
                return answer.hasPrefix("HTTP/1.1 503") ? answer : nil
            }
            let answer = try #require(refused)
            #expect(answer.lowercased().contains("retry-after: 1"))
            #expect(answer.contains(#"{"error":"too many request bodies in flight; retry later"}"#))
            withExtendedLifetime(holders) {}
        }
    }

    @Test func aDeclaredBodyLargerThanAnyRouteTakesIs413BeforeItIsRead() async throws {
        try await live({ _ in }) { port, _ in
            let big = try RawConnection(port: port)
            try big.send(
                "POST /api/changes HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(64 << 20)\r\n\r\n")
            let answer = try await big.readUntilClosed(timeout: .seconds(5))
            #expect(answer?.hasPrefix("HTTP/1.1 413") == true, "\(answer ?? "no answer")")
        }
    }
}
