import AsyncHTTPClient
import ChangeSources
import Foundation
import GRDB
import Hummingbird
import Investigation
import Logging
import Outbound
import PrometheusEvidence
import WebhookIn

/// What the application takes from its surroundings; tests replace each part.
public struct AppDependencies: Sendable {
    public var logger: Logger
    public var environment: [String: String]
    /// The clock for signature tolerance, timestamps and deadlines.
    public var now: @Sendable () -> Date
    /// Counts the escalation loop's passes, and the outbox dispatcher's passes that found nothing due.
    public var progress: (escalations: LoopProgress?, outboxIdle: LoopProgress?)

    public init(
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = Date.init,
        progress: (escalations: LoopProgress?, outboxIdle: LoopProgress?) = (nil, nil)
    ) {
        self.logger = logger
        self.environment = environment
        self.now = now
        self.progress = progress
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
        configuration: .init(
            timeout: .init(
                connect: .seconds(Int64(config.outbound.connectTimeoutSeconds)),
                read: .seconds(Int64(config.outbound.requestTimeoutSeconds)))))
    do {
        let resolver = SecretResolver(
            vaultDevPath: config.vaultDevPath, environment: dependencies.environment, httpClient: httpClient,
            logger: logger)
        let lock = try DatabaseLock(database: config.database)
        let database = try InquestDatabase.open(path: config.database)
        let file = try DatabaseFileGuard(path: config.database)
        let queue = InvestigationStore()
        let links = SignedLinks(
            signingKey: try await resolver.resolve(config.linkSigningKey, usedAt: "link_signing_key"),
            publicHost: config.publicHost)
        var readers: [BearerToken] = []
        for (key, reference) in [("read_token", config.readToken), ("admin_token", config.adminToken)] {
            if let reference { readers.append(BearerToken(try await resolver.resolve(reference, usedAt: key))) }
        }
        let readAccess = ReadAccess(tokens: readers, pageToken: { links.verify($0, for: $1) })

        let telemetry = Telemetry()
        // Producers wake the loops that poll their queues: a declared incident reaches Slack in milliseconds.
        let investigationQueued = Wakeup()
        let outboxQueued = Wakeup()
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessLogMiddleware(telemetry: telemetry.factory))
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: RequestBodyBudgetMiddleware(budget: RequestBodyBudget(capacity: config.http.maxBodyBytesInFlight)))
        router.add(middleware: DatabaseFileGuardMiddleware(guardian: file))
        HealthController(database: database, file: file).addRoutes(to: router)
        try OpenAPIDocumentController().addRoutes(to: router)
        let deliveries = DeliveryMetrics(factory: telemetry.factory)

        var maintenance: [MaintenanceService.Task] = []
        var incidentStore: IncidentStore?
        let incidentIO = config.integrations.incidentIO
        if incidentIO.enabled {
            var secrets: [Secret] = []
            for reference in incidentIO.webhookSecrets {
                secrets.append(try await resolver.resolve(reference, usedAt: "integrations.incident_io.webhook_secret"))
            }
            let verifier = try SignatureVerifier(secrets: secrets, now: dependencies.now)
            var policy = incidentIO.policy
            policy.fetchPrivateIncidents = incidentIO.apiKey != nil
            let store = IncidentStore(
                database: database, queue: queue, policy: policy, telemetry: telemetry.factory,
                investigationQueued: investigationQueued)
            incidentStore = store
            maintenance.append(
                .init(name: "webhook_deliveries") {
                    try await store.pruneDeliveries(before: dependencies.now().addingTimeInterval(-7 * 86400))
                })
            IncidentIOWebhookController(
                verifier: verifier, store: store, queue: queue, database: database, readAccess: readAccess,
                metrics: deliveries, now: dependencies.now
            ).addRoutes(to: router)
        }

        var ingestToken: BearerToken?
        if let reference = config.changes.ingestToken {
            ingestToken = BearerToken(try await resolver.resolve(reference, usedAt: "changes.ingest_token"))
        }
        InvestigationController(
            database: database, input: ChangeInput(pagerDutyServiceKey: config.changes.pagerDutyServiceKey),
            ingestToken: ingestToken, readAccess: readAccess, metrics: deliveries, pageURL: links.url(for:),
            now: dependencies.now
        ).addRoutes(to: router)
        let changeLog = ChangeLog(database: database)
        try await ChangeSourceController(
            sources: buildChangeSources(config: config, resolver: resolver, dependencies: dependencies), database: database,
            catalog: config.services.map(\.name), readAccess: readAccess, metrics: deliveries, now: dependencies.now
        ).addRoutes(to: router)
        maintenance.append(
            .init(name: "changes") {
                try await changeLog.prune(
                    before: dependencies.now().addingTimeInterval(-Double(config.changes.retentionDays) * 86400))
            })
        let alerts = try await buildAlerts(
            config: config, database: database, resolver: resolver, httpClient: httpClient, links: links, router: router,
            telemetry: telemetry, outboxQueued: outboxQueued, dependencies: dependencies)
        let outbound = try await buildOutbound(
            config: config, database: database, resolver: resolver, httpClient: httpClient, links: links,
            alertProviders: alerts.providers, telemetry: telemetry, outboxQueued: outboxQueued, dependencies: dependencies)
        outbound.addRoutes(router)
        IncidentIndexController(
            incidents: incidentStore ?? IncidentStore(database: database, queue: queue, policy: InvestigationPolicy()),
            database: database, readAccess: readAccess, links: links, now: dependencies.now
        ).addRoutes(to: router)
        MetricsController(
            telemetry: telemetry, readAccess: readAccess, outbox: Outbox(database: database), escalations: alerts.escalations
        ).addRoutes(to: router)
        let worker = InvestigationWorker(
            database: database,
            investigator: Investigator(settings: config.correlation, catalog: ServiceCatalog(services: config.services)),
            sink: outbound.sink,
            metrics: try await buildMetrics(config: config, resolver: resolver, httpClient: httpClient, logger: logger),
            settings: config.investigations, now: dependencies.now, logger: logger, telemetry: telemetry.factory,
            queued: investigationQueued, finished: outboxQueued)

        logger.debug(
            "routes", metadata: ["routes": .array(router.routes.map { "\($0.method) \($0.path)" }.sorted().map { .string($0) })])
        var app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(config.http.idleTimeoutSeconds * 1000)))),
            configuration: .init(
                address: .hostname(config.host, port: config.port), serverName: config.name,
                availableConnectionsDelegate: .maximum(config.http.effectiveMaxConnections, logger: logger)),
            logger: logger)
        app.addServices(
            ShutdownService(name: "database") {
                try database.close()
                lock.release()
                logger.info("database closed")
            },
            ShutdownService(name: "http-client") { try await httpClient.shutdown() },
            MaintenanceService(interval: .seconds(3600), tasks: maintenance, logger: logger),
            try WALCheckpointer(path: config.database, logger: logger),
            outbound.dispatcher,
            worker)
        if let service = alerts.service { app.addServices(service) }
        if let incidentStore, let api = outbound.incidentIO {
            app.addServices(
                PrivateIncidentFetcher(
                    store: incidentStore, api: api, retryDelay: { RetryPolicy().delay(afterAttempt: $0) }, now: dependencies.now,
                    logger: logger))
        }
        return app
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}

/// The change sources with secrets configured, each with its service mapping.
private func buildChangeSources(config: InquestConfig, resolver: SecretResolver, dependencies: AppDependencies) async throws
    -> [ChangeSourceController.Configured]
{
    let catalog = ServiceCatalog(services: config.services)
    var configured: [ChangeSourceController.Configured] = []
    for (name, settings) in config.changes.sources.sorted(by: { $0.key < $1.key }) {
        var secrets: [Secret] = []
        for (index, reference) in settings.secrets.enumerated() {
            secrets.append(try await resolver.resolve(reference, usedAt: "changes.sources.\(name).secrets[\(index)]"))
        }
        let source: any ChangeSource =
            switch name {
            case "github": GitHubSource(secrets: secrets)
            case "launchdarkly": LaunchDarklySource(secrets: secrets)
            case "terraform-cloud": TerraformCloudSource(secrets: secrets)
            case "flux": FluxSource(secrets: secrets)
            case "gitlab": try GitLabSource(secrets: secrets, now: dependencies.now)
            case "argocd": ArgoCDSource(secrets: secrets)
            default: preconditionFailure("config accepts only supported sources")
            }
        configured.append(.init(source: source, mapping: ServiceMapping(services: settings.services, catalog: catalog)))
    }
    return configured
}

/// Prometheus, when `metrics.prometheus.url` is set: its query templates are checked against the server first, so a
/// template it cannot parse stops startup naming its key; a server that does not answer yet only warns.
private func buildMetrics(config: InquestConfig, resolver: SecretResolver, httpClient: HTTPClient, logger: Logger)
    async throws -> PrometheusSource?
{
    guard let prometheus = config.prometheus else {
        logger.info("metric evidence is off: metrics.prometheus.url is not set")
        return nil
    }
    var settings = PrometheusSource.Settings(url: prometheus.url, queries: prometheus.queries)
    settings.timeout = .seconds(prometheus.timeoutSeconds)
    settings.step = .seconds(prometheus.stepSeconds)
    settings.serviceQueries = prometheus.services
    settings.aliases = Dictionary(
        config.services.compactMap { service in service.aliases.first.map { (service.name, $0) } }, uniquingKeysWith: { a, _ in a })
    if let reference = prometheus.bearerToken {
        let token = try await resolver.resolve(reference, usedAt: "metrics.prometheus.bearer_token")
        settings.authorization = Secret("Bearer " + token.reveal())
    } else if let username = prometheus.basicUsername, let reference = prometheus.basicPassword {
        let password = try await resolver.resolve(reference, usedAt: "metrics.prometheus.basic_password")
        settings.authorization = Secret("Basic " + Data("\(username):\(password.reveal())".utf8).base64EncodedString())
    }
    let source = PrometheusSource(settings: settings, client: httpClient)
    let unreachable = try await source.check()
    if !unreachable.isEmpty {
        logger.warning(
            "Prometheus did not answer the startup check; investigations will say metrics were unavailable",
            metadata: ["url": "\(prometheus.url)", "queries": "\(unreachable.joined(separator: "; "))"])
    }
    return source
}

/// The outbound half: providers whose credentials are configured, the findings hand-off, the dispatcher, and the
/// routes that show what was sent.
private struct OutboundParts {
    var sink: FindingsOutbox
    var dispatcher: OutboxDispatcher
    /// Set when an incident.io API key is configured.
    var incidentIO: IncidentIOAPI?
    var addRoutes: (Router<BasicRequestContext>) -> Void
}

private func buildOutbound(
    config: InquestConfig, database: DatabasePool, resolver: SecretResolver, httpClient: HTTPClient, links: SignedLinks,
    alertProviders: [any OutboundProvider], telemetry: Telemetry, outboxQueued: Wakeup, dependencies: AppDependencies
) async throws -> OutboundParts {
    let logger = dependencies.logger
    let timeout = Duration.seconds(config.outbound.requestTimeoutSeconds)
    var adminToken: BearerToken?
    if let reference = config.adminToken {
        adminToken = BearerToken(try await resolver.resolve(reference, usedAt: "admin_token"))
    }

    var providers = alertProviders
    let incidentIO = config.integrations.incidentIO
    var incidentIOAPI: IncidentIOAPI?
    if let reference = incidentIO.apiKey {
        let api = IncidentIOAPI(
            settings: .init(
                apiKey: try await resolver.resolve(reference, usedAt: "integrations.incident_io.api_key"),
                baseURL: incidentIO.apiBaseURL),
            client: httpClient, timeout: timeout, logger: logger)
        incidentIOAPI = api
        providers.append(api)
    } else {
        logger.info("incident.io write-back is off: integrations.incident_io.api_key is not set")
    }
    var writeBack: FindingsOutbox.WriteBack?
    if incidentIOAPI != nil {
        switch incidentIO.writeBack {
        case .timeline: writeBack = .timeline(incidentIO.timelineEntryTypes)
        case .update: writeBack = .update
        case .none: writeBack = nil
        }
    }

    let slack = config.integrations.slack
    var template: SlackFindingsTemplate?
    if let reference = slack.token {
        providers.append(
            SlackAPI(
                settings: .init(
                    token: try await resolver.resolve(reference, usedAt: "integrations.slack.token"),
                    baseURL: slack.apiBaseURL, defaultChannel: slack.defaultChannelID),
                database: database, incidentIO: incidentIOAPI, client: httpClient, timeout: timeout,
                now: dependencies.now, logger: logger))
        if slack.postToChannel { template = try SlackFindingsTemplate(path: slack.templatePath) }
    } else {
        logger.info("Slack findings posts are off: integrations.slack.token is not set (alert notifications use alert.slack)")
    }

    var settings = OutboxDispatcher.Settings()
    settings.concurrency = config.outbound.concurrency
    settings.retry.maxAttempts = config.outbound.maxAttempts
    settings.retry.maxAge = .seconds(config.outbound.maxAgeHours * 3600)
    let dispatcher = OutboxDispatcher(
        database: database, providers: providers, settings: settings, now: dependencies.now, logger: logger,
        telemetry: telemetry.factory, queued: outboxQueued, idlePasses: dependencies.progress.outboxIdle)
    let now = dependencies.now
    return OutboundParts(
        sink: FindingsOutbox(slack: template, writeBack: writeBack, links: links), dispatcher: dispatcher,
        incidentIO: incidentIOAPI,
        addRoutes: { router in
            InvestigationPageController(database: database, links: links, adminToken: adminToken).addRoutes(to: router)
            OutboxController(outbox: Outbox(database: database), adminToken: adminToken, now: now).addRoutes(to: router)
        }
    )
}
