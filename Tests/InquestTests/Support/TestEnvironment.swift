import Crypto
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Outbound
import Testing
import WebhookIn

/// A throwaway deployment: a temp folder with its own SQLite file and vault-dev secrets, a captured log and a
/// pinned clock. Each test gets its own, so tests run in parallel without sharing state.
final class TestEnvironment: Sendable {
    let directory: URL
    let webhookSecret: String
    let ingestToken = "ingest-\(UUID().uuidString)"
    let adminToken = "admin-\(UUID().uuidString)"
    let readToken = "read-\(UUID().uuidString)"
    let alertmanagerToken = "alertmanager-\(UUID().uuidString)"
    let logs = LogCapture()
    let config: InquestConfig
    /// The clock every component sees; starts at 2026-11-20T14:40:00Z, a few minutes after the fixture incident.
    let clock = TestClock(Date(timeIntervalSince1970: 1_795_185_600))
    var now: Date { clock.now }
    /// The passes of the application's escalation loop, and its outbox dispatcher's passes that found nothing due.
    let escalationPasses = LoopProgress()
    let outboxIdlePasses = LoopProgress()

    init(configure: (inout InquestConfig) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("inquest-test-\(UUID().uuidString)")
        let secrets = directory.appendingPathComponent("vault-dev/secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        webhookSecret = "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }).base64EncodedString()
        try (webhookSecret + "\n").write(
            to: secrets.appendingPathComponent("incident-io-webhook-secret"), atomically: true, encoding: .utf8)
        try ingestToken.write(to: secrets.appendingPathComponent("changes-ingest-token"), atomically: true, encoding: .utf8)
        try adminToken.write(to: secrets.appendingPathComponent("admin-token"), atomically: true, encoding: .utf8)
        try readToken.write(to: secrets.appendingPathComponent("read-token"), atomically: true, encoding: .utf8)
        try alertmanagerToken.write(
            to: secrets.appendingPathComponent("alertmanager-token"), atomically: true, encoding: .utf8)
        try "link-key-\(UUID().uuidString)".write(
            to: secrets.appendingPathComponent("link-signing-key"), atomically: true, encoding: .utf8)

        var config = InquestConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.database = directory.appendingPathComponent("data/inquest.sqlite").path
        config.vaultDevPath = directory.appendingPathComponent("vault-dev").path
        configure(&config)
        self.config = config
    }

    /// An environment whose worker does not run, so tests see jobs exactly as the webhook left them.
    static func queueOnly(configure: (inout InquestConfig) -> Void = { _ in }) throws -> TestEnvironment {
        try TestEnvironment { config in
            config.investigations.enabled = false
            configure(&config)
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func makeApp(environment: [String: String] = [:]) async throws -> some ApplicationProtocol {
        let clock = self.clock
        return try await buildApplication(
            config: config,
            dependencies: AppDependencies(
                logger: logs.logger(), environment: environment, now: { clock.now },
                progress: (escalationPasses, outboxIdlePasses)))
    }

    /// Waits until the escalation loop has run a whole pass that began after this call, and then every outbox loop
    /// has found nothing due: whatever was due by the test clock has been paged and sent, so an assertion that
    /// nothing (more) happened means it. Fails after 10 s.
    func settle(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let escalations = escalationPasses.count
        try await eventually({ self.escalationPasses.count >= escalations + 2 }, sourceLocation: sourceLocation)
        try await settleOutbox(sourceLocation: sourceLocation)
    }

    /// Waits until the outbox table holds nothing being sent and nothing due by the test clock, and then the
    /// dispatcher's loops have found nothing due a few more times (so a loop that just marked its last message sent
    /// has finished with it): everything queued and due has been sent. Reads the table rather than inferring it from
    /// loop timing, which a loaded machine skews. Fails after 10 s.
    func settleOutbox(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let database = try database()
        try await eventually({
            try await database.read { db in
                try Bool.fetchOne(db, sql: """
                    SELECT NOT EXISTS (SELECT 1 FROM outbox_messages
                                       WHERE state = 'sending' OR (state = 'pending' AND next_attempt_at <= ?))
                    """, arguments: [self.now.timeIntervalSince1970]) ?? false
            }
        }, sourceLocation: sourceLocation)
        let idle = outboxIdlePasses.count
        try await eventually(
            { self.outboxIdlePasses.count >= idle + self.config.outbound.concurrency + 1 }, sourceLocation: sourceLocation)
    }

    /// Opens the same database file the application writes, to check what it stored.
    func database() throws -> DatabasePool {
        try InquestDatabase.open(path: config.database)
    }

    /// Headers incident.io would send for `body`.
    func signedHeaders(
        for body: Data, id: String = "msg_\(UUID().uuidString)", timestamp: Date? = nil, secret: String? = nil
    ) throws -> HTTPFields {
        let seconds = Int64((timestamp ?? now).timeIntervalSince1970)
        let signature = try SignatureVerifier.sign(
            id: id, timestamp: seconds, body: body, secret: Secret(secret ?? webhookSecret))
        return [
            .contentType: "application/json",
            HTTPField.Name("webhook-id")!: id,
            HTTPField.Name("webhook-timestamp")!: String(seconds),
            HTTPField.Name("webhook-signature")!: signature,
        ]
    }

    /// `Authorization` with the read token, for the API's GET endpoints.
    var reader: HTTPFields { [.authorization: "Bearer \(readToken)"] }

    /// Posts `body` to the incident.io webhook, signed as incident.io would.
    func deliver(_ body: Data, with client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/incident-io/webhook", method: .post, headers: signedHeaders(for: body), body: ByteBuffer(bytes: body))
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}
