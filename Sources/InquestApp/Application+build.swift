import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import Investigation
import Logging
import WebhookIn

/// What the application takes from its surroundings; tests replace each part.
public struct AppDependencies: Sendable {
    public var logger: Logger
    public var environment: [String: String]
    /// The clock for signature tolerance, timestamps and deadlines.
    public var now: @Sendable () -> Date

    public init(
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.logger = logger
        self.environment = environment
        self.now = now
    }
}

/// The composition root: opens the database, resolves secrets, and wires every module into one application.
/// `inquest serve`, the tests and the benchmarks all build the service through this function.
public func buildApplication(config: InquestConfig, dependencies: AppDependencies) async throws
    -> some ApplicationProtocol
{
    let logger = dependencies.logger
    let httpClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(15))))
    do {
        let resolver = SecretResolver(
            vaultDevPath: config.vaultDevPath, environment: dependencies.environment, httpClient: httpClient,
            logger: logger)
        let database = try InquestDatabase.open(path: config.database)
        let queue = InvestigationStore()

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        HealthController(database: database).addRoutes(to: router)

        var maintenance: [MaintenanceService.Task] = []
        let incidentIO = config.integrations.incidentIO
        if incidentIO.enabled {
            var secrets: [Secret] = []
            for reference in incidentIO.webhookSecrets {
                secrets.append(try await resolver.resolve(reference, usedAt: "integrations.incident_io.webhook_secret"))
            }
            let verifier = try SignatureVerifier(secrets: secrets, now: dependencies.now)
            let store = IncidentStore(database: database, queue: queue, policy: incidentIO.policy)
            maintenance.append(
                .init(name: "webhook_deliveries") {
                    try await store.pruneDeliveries(before: dependencies.now().addingTimeInterval(-7 * 86400))
                })
            IncidentIOWebhookController(
                verifier: verifier, store: store, queue: queue, database: database, now: dependencies.now
            ).addRoutes(to: router)
        }

        var ingestToken: BearerToken?
        if let reference = config.changes.ingestToken {
            ingestToken = BearerToken(try await resolver.resolve(reference, usedAt: "changes.ingest_token"))
        }
        InvestigationController(
            database: database, input: ChangeInput(pagerDutyServiceKey: config.changes.pagerDutyServiceKey),
            ingestToken: ingestToken, now: dependencies.now
        ).addRoutes(to: router)
        let changeLog = ChangeLog(database: database)
        maintenance.append(
            .init(name: "changes") {
                try await changeLog.prune(
                    before: dependencies.now().addingTimeInterval(-Double(config.changes.retentionDays) * 86400))
            })
        let worker = InvestigationWorker(
            database: database,
            investigator: Investigator(settings: config.correlation, catalog: ServiceCatalog(services: config.services)),
            sink: nil, settings: config.investigations, now: dependencies.now, logger: logger)

        var app = Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: config.name),
            logger: logger)
        app.addServices(
            ShutdownService(name: "database") {
                try database.close()
                logger.info("database closed")
            },
            ShutdownService(name: "http-client") { try await httpClient.shutdown() },
            MaintenanceService(interval: .seconds(3600), tasks: maintenance, logger: logger),
            worker)
        return app
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}
