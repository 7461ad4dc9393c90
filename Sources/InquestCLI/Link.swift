import ArgumentParser
import AsyncHTTPClient
import Foundation
import InquestApp
import Outbound
import WebhookIn

struct Link: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a signed link: the browser view of recent incidents, or one investigation's page.",
        discussion: "Links are signed with link_signing_key and point at public_host, as the service's own are.")

    @OptionGroup var options: ConfigOption
    @Argument(help: "An investigation id; without it, the link to the list of recent incidents.") var id: Int64?
    @Option(help: "How long the list's link stays valid, in hours.") var hours = 12

    func run() async throws {
        let config = try options.load()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let resolver = SecretResolver(
            vaultDevPath: config.vaultDevPath, environment: ProcessInfo.processInfo.environment, httpClient: client,
            logger: options.logger(level: .warning))
        let key: Secret
        do {
            key = try await resolver.resolve(config.linkSigningKey, usedAt: "link_signing_key")
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        let links = SignedLinks(signingKey: key, publicHost: config.publicHost)
        print(id.map(links.url(for:)) ?? links.indexURL(expires: Date().addingTimeInterval(Double(hours) * 3600)))
    }
}
