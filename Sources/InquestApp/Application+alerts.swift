import Alerting
import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import Logging
import Outbound
import ServiceLifecycle
import WebhookIn

/// The alerting half: the Alertmanager receiver, its Slack notifications, acknowledgements, and the on-call
/// providers whose credentials are configured. Returns the providers for the shared dispatcher, the service
/// that pages due escalations, and the escalations themselves (for `/metrics`).
func buildAlerts(
    config: InquestConfig, database: DatabasePool, resolver: SecretResolver, httpClient: HTTPClient, links: SignedLinks,
    router: Router<BasicRequestContext>, telemetry: Telemetry, outboxQueued: Wakeup, dependencies: AppDependencies
) async throws -> (providers: [any OutboundProvider], service: EscalationService?, escalations: Escalations?) {
    let alert = config.alert
    let logger = dependencies.logger
    guard alert.enabled else { return ([], nil, nil) }
    let timeout = Duration.seconds(config.outbound.requestTimeoutSeconds)
    var providers: [any OutboundProvider] = []

    let auth: AlertmanagerAuth
    switch alert.auth {
    case .none:
        logger.warning("POST /api/incidents accepts unauthenticated requests (alert.auth: none)")
        auth = .none
    case .credentials(let bearer, let user, let password):
        let bearerToken = try await bearer.asyncMap { try await resolver.resolve($0, usedAt: "alert.auth.bearer_token") }
        let basicPassword = try await password.asyncMap { try await resolver.resolve($0, usedAt: "alert.auth.basic_password") }
        auth = AlertmanagerAuth(bearer: bearerToken, basicUser: user, basicPassword: basicPassword)
        guard !auth.isOpen else {
            throw ConfigError.invalid(
                file: "config", path: "alert.auth",
                reason: "set bearer_token, or basic_username and basic_password, or `auth: none` to run open")
        }
    }

    var settings = Escalations.Settings()
    let oncall = config.oncall
    settings.enabled = oncall.enable
    settings.waitMinutes = oncall.waitMinutes
    settings.ackLinkLifetime = .seconds(oncall.ackLinkTTLHours * 3600)
    settings.pagerDutySeverities = oncall.pagerDuty.severityMap
    settings.pagerDutyDefaultSeverity = oncall.pagerDuty.defaultSeverity
    settings.incidentIOMetadata = oncall.incidentIO.metadata
    switch oncall.provider {
    case .pagerDuty:
        if let reference = oncall.pagerDuty.routingKey {
            var keys = ["default": try await resolver.resolve(reference, usedAt: "oncall.pagerduty.routing_key")]
            for (name, reference) in oncall.pagerDuty.otherRoutingKeys {
                keys[name] = try await resolver.resolve(reference, usedAt: "oncall.pagerduty.other_routing_keys.\(name)")
            }
            let provider = OncallProvider(.pagerDuty(eventsURL: oncall.pagerDuty.eventsURL, routingKeys: keys), client: httpClient, timeout: timeout)
            providers.append(provider)
            settings.provider = .pagerDuty
            settings.routes = OncallRoutes(canPage: true, pagerDutyRoutingKeys: provider.routes)
        } else {
            logger.info("on-call paging is off: oncall.pagerduty.routing_key is not set")
        }
    case .incidentIO:
        if let reference = oncall.incidentIO.apiKey, let source = oncall.incidentIO.alertSourceConfigID {
            let apiKey = try await resolver.resolve(reference, usedAt: "oncall.incident_io.api_key")
            let sources = oncall.incidentIO.otherAlertSourceConfigIDs.merging(["default": source]) { $1 }
            let provider = OncallProvider(
                .incidentIO(baseURL: oncall.incidentIO.apiBaseURL, apiKey: apiKey, sources: sources), client: httpClient,
                timeout: timeout)
            providers.append(provider)
            settings.provider = .incidentIO
            settings.routes = OncallRoutes(canPage: true, incidentIOAlertSources: provider.routes)
        } else {
            logger.info("on-call paging is off: oncall.incident_io.api_key and alert_source_config_id are not both set")
        }
    }

    var template: SlackAlertTemplate?
    if alert.slack.enable, let reference = alert.slack.token, let channel = alert.slack.channelID {
        var slack = SlackAPI.Settings(
            token: try await resolver.resolve(reference, usedAt: "alert.slack.token"), baseURL: alert.slack.apiBaseURL)
        slack.name = SlackAPI.alertProvider
        providers.append(
            SlackAPI(
                settings: slack, database: database, incidentIO: nil, client: httpClient, timeout: timeout,
                now: dependencies.now, logger: logger))
        template = try SlackAlertTemplate(path: alert.slack.templatePath)
        settings.slackChannel = channel
    } else if alert.slack.enable {
        logger.info("Slack alert notifications are off: alert.slack.token and channel_id are not both set")
    }

    let escalations = Escalations(
        settings: settings, database: database, template: template, links: links, telemetry: telemetry.factory)
    AlertmanagerController(
        store: AlertStore(
            database: database, escalation: escalations, flapWindow: .seconds(alert.flapWindowMinutes * 60),
            outboxQueued: outboxQueued),
        auth: auth,
        metrics: DeliveryMetrics(factory: telemetry.factory), now: dependencies.now
    ).addRoutes(to: router)
    AckController(escalations: escalations, links: links, now: dependencies.now).addRoutes(to: router)
    if let reference = alert.slack.signingSecret {
        SlackInteractionsController(
            signature: SlackRequestSignature(signingSecret: try await resolver.resolve(reference, usedAt: "alert.slack.signing_secret")),
            escalations: escalations, now: dependencies.now
        ).addRoutes(to: router)
    }
    return (providers, EscalationService(
            escalations: escalations, now: dependencies.now, logger: logger, outboxQueued: outboxQueued,
            progress: dependencies.progress.escalations), escalations)
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
