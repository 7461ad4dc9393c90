import ArgumentParser
import AsyncHTTPClient
import Foundation
import InquestApp
import NIOCore
import WebhookIn

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a payload file as incident.io would, and print the request or send it.",
        discussion: """
            Without --url, prints the signature headers and a curl command. The secret defaults to the first
            integrations.incident_io.webhook_secret in the configuration.
            """)

    @OptionGroup var options: ConfigOption

    @Option(help: "Secret reference (vault://secrets/NAME, env://NAME).")
    var secret: String?

    @Option(help: "JSON payload file; its bytes are signed and sent exactly as they are.")
    var event: String

    @Option(help: "Send the signed request to this URL and print the answer.")
    var url: String?

    @Option(help: "webhook-id to use (default: a new random id).")
    var id: String?

    @Option(help: "Unix timestamp to sign with (default: now).")
    var timestamp: Int64?

    @Option(help: "Move every time in the payload so that this RFC 3339 time becomes now (the examples: 2026-11-20T14:35:00Z).")
    var asOf: String?

    func run() async throws {
        let config = try options.load()
        guard let file = FileManager.default.contents(atPath: event) else {
            throw ValidationError("cannot read --event \(event)")
        }
        guard asOf == nil || url != nil else {
            throw ValidationError("--as-of rewrites the payload, so the printed curl command would send the wrong bytes: add --url")
        }
        let body = try asOf.map { try TimeShift.shift(file, asOf: $0) } ?? file
        let reference = secret.map { SecretReference($0) } ?? config.integrations.incidentIO.webhookSecrets.first
        guard let reference else { throw ValidationError("no --secret and no webhook_secret in \(options.config)") }

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await sign(body: body, reference: reference, config: config, client: client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func sign(body: Data, reference: SecretReference, config: InquestConfig, client: HTTPClient) async throws {
        let resolver = SecretResolver(
            vaultDevPath: config.vaultDevPath, environment: ProcessInfo.processInfo.environment, httpClient: client,
            logger: options.logger(level: .warning))
        let key = try await resolver.resolve(reference, usedAt: "--secret")

        let webhookID = id ?? "msg_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let signedAt = timestamp ?? Int64(Date().timeIntervalSince1970)
        let signature = try SignatureVerifier.sign(id: webhookID, timestamp: signedAt, body: body, secret: key)
        let headers = [
            ("content-type", "application/json"), ("webhook-id", webhookID),
            ("webhook-timestamp", String(signedAt)), ("webhook-signature", signature),
        ]

        guard let url else {
            let target = "\(config.publicHost)/api/incident-io/webhook"
            for (name, value) in headers { print("\(name): \(value)") }
            print(
                "\ncurl -sS -X POST '\(target)' " + headers.map { "-H '\($0): \($1)'" }.joined(separator: " ")
                    + " --data-binary @\(event)")
            return
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let answer = try await response.body.collect(upTo: 1 << 20)
        print("HTTP \(response.status.code) \(String(buffer: answer))")
        if response.status.code >= 300 { throw ExitCode.failure }
    }
}
