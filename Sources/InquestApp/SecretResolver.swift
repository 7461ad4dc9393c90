import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import WebhookIn

/// Turns secret references into values, once, at startup.
///
/// `vault://secrets/NAME` reads `<vault_dev_path>/secrets/NAME` in development, or — when `VAULT_ADDR` and
/// `VAULT_TOKEN` are set — Vault's KV v2 API (`GET $VAULT_ADDR/v1/secret/data/NAME`, value at `data.data.value`).
/// Errors name the reference and where it was looked for, never a value or the Vault token.
public struct SecretResolver: Sendable {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// `key` is the config key that holds the reference (`integrations.slack.token`).
        case notFound(key: String, reference: String, place: String)
        case vaultUnreachable(key: String, reference: String, address: String, reason: String)
        case vaultRefused(key: String, reference: String, address: String, status: Int)
        case vaultMalformed(key: String, reference: String, address: String)

        public var description: String {
            switch self {
            case .notFound(let key, let reference, let place):
                "\(key): secret \"\(reference)\" not found in \(place)"
            case .vaultUnreachable(let key, let reference, let address, let reason):
                "\(key): secret \"\(reference)\": Vault at \(address) did not answer (\(reason))"
            case .vaultRefused(let key, let reference, let address, let status):
                "\(key): secret \"\(reference)\": Vault at \(address) answered HTTP \(status)"
                    + (status == 403 ? " (check VAULT_TOKEN and its policy)" : "")
            case .vaultMalformed(let key, let reference, let address):
                "\(key): secret \"\(reference)\": Vault at \(address) returned no data.data.value"
            }
        }
    }

    private enum Backend: Sendable {
        case files(directory: String)
        case vault(address: String, token: Secret, client: HTTPClient)
    }

    private let backend: Backend
    private let environment: [String: String]
    private let logger: Logger
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - vaultDevPath: the development vault folder, used when `VAULT_ADDR` is not set.
    ///   - httpClient: used only for a real Vault.
    public init(
        vaultDevPath: String,
        environment: [String: String],
        httpClient: HTTPClient,
        logger: Logger,
        timeout: TimeAmount = .seconds(5)
    ) {
        if let address = environment["VAULT_ADDR"], !address.isEmpty, let token = environment["VAULT_TOKEN"] {
            backend = .vault(
                address: address.hasSuffix("/") ? String(address.dropLast()) : address, token: Secret(token),
                client: httpClient)
        } else {
            backend = .files(directory: vaultDevPath)
        }
        self.environment = environment
        self.logger = logger
        self.timeout = timeout
    }

    /// Resolves one reference. `usedAt` is the config key, for the warning a literal earns.
    public func resolve(_ reference: SecretReference, usedAt key: String) async throws(Failure) -> Secret {
        switch reference {
        case .literal(let secret):
            logger.warning(
                "a secret is written into the config; use vault://secrets/NAME or env://NAME instead",
                metadata: ["key": "\(key)", "fingerprint": "\(secret.fingerprint)"])
            return secret
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .notFound(key: key, reference: reference.description, place: "the environment")
            }
            return Secret(value)
        case .vault(let name):
            switch backend {
            case .files(let directory):
                return try readFile(name: name, directory: directory, key: key, reference: reference.description)
            case .vault(let address, let token, let client):
                return try await readVault(
                    name: name, address: address, token: token, client: client, key: key, reference: reference.description)
            }
        }
    }

    private func readFile(name: String, directory: String, key: String, reference: String) throws(Failure) -> Secret {
        let place = URL(fileURLWithPath: directory).appendingPathComponent("secrets").path + "/"
        guard !name.isEmpty, !name.contains(".."),
            let contents = try? String(contentsOfFile: place + name, encoding: .utf8)
        else { throw .notFound(key: key, reference: reference, place: place) }
        let value = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw .notFound(key: key, reference: reference, place: place) }
        return Secret(value)
    }

    private func readVault(
        name: String, address: String, token: Secret, client: HTTPClient, key: String, reference: String
    )
        async throws(Failure) -> Secret
    {
        struct KV2: Decodable {
            struct Outer: Decodable { let data: [String: String]? }
            let data: Outer?
        }
        var request = HTTPClientRequest(url: "\(address)/v1/secret/data/\(name)")
        request.headers.add(name: "X-Vault-Token", value: token.reveal())
        let body: ByteBuffer
        let status: Int
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .vaultUnreachable(key: key, reference: reference, address: address, reason: "\(type(of: error))")
        }
        if status == 404 { throw .notFound(key: key, reference: reference, place: "Vault at \(address)") }
        guard status == 200 else { throw .vaultRefused(key: key, reference: reference, address: address, status: status) }
        guard let value = (try? JSONDecoder().decode(KV2.self, from: body))?.data?.data?["value"], !value.isEmpty
        else { throw .vaultMalformed(key: key, reference: reference, address: address) }
        return Secret(value)
    }
}
