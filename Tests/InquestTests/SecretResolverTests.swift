import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InquestApp
import Logging
import Testing
import WebhookIn

@Suite struct SecretResolverTests {
    let logs = LogCapture()

    func resolver(vaultDev: String = "/nonexistent", environment: [String: String] = [:]) -> SecretResolver {
        SecretResolver(
            vaultDevPath: vaultDev, environment: environment, httpClient: HTTPClient.shared, logger: logs.logger(),
            timeout: .seconds(2))
    }

    @Test func vaultReferenceReadsTheDevelopmentFolder() async throws {
        let env = try TestEnvironment()
        let secret = try await resolver(vaultDev: env.config.vaultDevPath)
            .resolve(.vault(name: "incident-io-webhook-secret"), usedAt: "k")
        #expect(secret.reveal() == env.webhookSecret)
    }

    @Test func missingSecretNamesItsConfigKeyTheReferenceAndPlace() async throws {
        await #expect(
            throws: SecretResolver.Failure.notFound(
                key: "integrations.slack.token", reference: "vault://secrets/nope", place: "/nonexistent/secrets/")
        ) {
            try await resolver().resolve(.vault(name: "nope"), usedAt: "integrations.slack.token")
        }
        let failure = SecretResolver.Failure.notFound(key: "read_token", reference: "vault://secrets/x", place: "/v/")
        #expect(failure.description == "read_token: secret \"vault://secrets/x\" not found in /v/")
        await #expect(throws: SecretResolver.Failure.notFound(key: "k", reference: "env://NOPE", place: "the environment")) {
            try await resolver().resolve(.environment(name: "NOPE"), usedAt: "k")
        }
    }

    @Test func environmentReferenceReadsTheVariable() async throws {
        let secret = try await resolver(environment: ["TOKEN": "xoxb-1"]).resolve(.environment(name: "TOKEN"), usedAt: "k")
        #expect(secret.reveal() == "xoxb-1")
    }

    @Test func literalWorksButWarnsWithoutTheValue() async throws {
        let secret = try await resolver().resolve(.literal(Secret("hunter2-literal")), usedAt: "a.b")
        #expect(secret.reveal() == "hunter2-literal")
        #expect(logs.text.contains("a secret is written into the config"))
        #expect(!logs.text.contains("hunter2-literal"))
    }

    /// A fake Vault KV v2 server on loopback that checks the token header.
    func fakeVault() -> some ApplicationProtocol {
        let router = Router()
        router.get("/v1/secret/data/{name}") { request, context -> Response in
            guard request.headers[HTTPField.Name("X-Vault-Token")!] == "root-token" else {
                return Response(status: .forbidden)
            }
            let name = try context.parameters.require("name")
            guard name == "pd-key" else { return Response(status: .notFound) }
            let body = #"{"data":{"data":{"value":"R0UTINGKEY-from-vault"},"metadata":{"version":1}}}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func vaultKV2IsReadWhenVaultAddrIsSet() async throws {
        try await fakeVault().test(.live) { client in
            let address = "http://127.0.0.1:\(client.port!)"
            let secret = try await resolver(environment: ["VAULT_ADDR": address, "VAULT_TOKEN": "root-token"])
                .resolve(.vault(name: "pd-key"), usedAt: "k")
            #expect(secret.reveal() == "R0UTINGKEY-from-vault")

            do {
                _ = try await resolver(environment: ["VAULT_ADDR": address, "VAULT_TOKEN": "wrong-token"])
                    .resolve(.vault(name: "pd-key"), usedAt: "k")
                Issue.record("a refused token resolved")
            } catch {
                #expect("\(error)".contains("answered HTTP 403 (check VAULT_TOKEN"))
                #expect(!"\(error)".contains("wrong-token"))
            }
            await #expect(
                throws: SecretResolver.Failure.notFound(key: "k", reference: "vault://secrets/other", place: "Vault at \(address)")
            ) {
                try await resolver(environment: ["VAULT_ADDR": address, "VAULT_TOKEN": "root-token"])
                    .resolve(.vault(name: "other"), usedAt: "k")
            }
        }
    }

    @Test func unreachableVaultIsAClearError() async throws {
        do {
            _ = try await resolver(environment: ["VAULT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": "t"])
                .resolve(.vault(name: "x"), usedAt: "k")
            Issue.record("an unreachable Vault resolved")
        } catch {
            #expect("\(error)".hasPrefix("k: secret \"vault://secrets/x\": Vault at http://127.0.0.1:1 did not answer"))
        }
    }

    @Test func missingWebhookSecretStopsStartupNamingTheReference() async throws {
        let env = try TestEnvironment { $0.integrations.incidentIO.webhookSecrets = [.vault(name: "absent")] }
        do {
            _ = try await env.makeApp()
            Issue.record("the application started without its webhook secret")
        } catch {
            #expect("\(error)".contains("secret \"vault://secrets/absent\" not found in"))
        }
    }
}
