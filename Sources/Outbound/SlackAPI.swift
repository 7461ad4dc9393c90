import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import NIOFoundationCompat
import WebhookIn

/// Slack's Web API: posts a message, or edits the one posted earlier for the same `post_key` in place
/// (`chat.update`), so a re-investigation does not post twice.
public struct SlackAPI: OutboundProvider {
    public struct Settings: Sendable {
        public var token: Secret
        public var baseURL: String
        /// Where a message goes when its incident has no channel, even after asking incident.io.
        public var defaultChannel: String?
        /// About one message per second per channel.
        public var limit = RateLimiter.Limit(perMinute: 60, burst: 3)
        public var name = "slack"

        public init(token: Secret, baseURL: String = "https://slack.com/api", defaultChannel: String? = nil) {
            self.token = token
            self.baseURL = baseURL
            self.defaultChannel = defaultChannel
        }
    }

    /// `post` payload: the rendered message (`text` and `blocks`), where it goes, and the key of the post it
    /// replaces if one was made before.
    public struct Post: Codable, Sendable, Equatable {
        public var incidentID: String?
        /// Empty when the incident had no channel yet: asked from incident.io at send time.
        public var channel: String
        public var postKey: String
        /// The message JSON object (`text`, `blocks`) as the template rendered it.
        public var message: String

        public init(incidentID: String?, channel: String, postKey: String, message: String) {
            self.incidentID = incidentID
            self.channel = channel
            self.postKey = postKey
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case channel, message
            case incidentID = "incident_id"
            case postKey = "post_key"
        }
    }

    /// Slack `error` codes worth another try; every other `ok: false` is the message's own fault. The Web API
    /// spells its 200 answer `rate_limited`, its 429 `ratelimited`: both are retried.
    static let transientErrors: Set<String> = [
        "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    ]

    /// `slack` for findings, ``alertProvider`` for alert notifications (which may use another token).
    public let name: String
    public static let alertProvider = "slack_alert"
    private let settings: Settings
    private let http: ProviderHTTP
    private let database: any DatabaseWriter
    private let incidentIO: IncidentIOAPI?
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Sends for one post one at a time, so its edits are applied in queue order.
    private let posts = KeyedLock()

    public init(
        settings: Settings, database: any DatabaseWriter, incidentIO: IncidentIOAPI?, client: HTTPClient, timeout: Duration,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.now = now
        self.logger = logger
        self.settings = settings
        self.name = settings.name
        self.database = database
        self.incidentIO = incidentIO
        self.http = ProviderHTTP(client: client, timeout: timeout)
    }

    public func rateLimit(for message: OutboxMessage) -> (key: String, limit: RateLimiter.Limit)? {
        ("slack:\(message.target)", settings.limit)
    }

    public func deliver(_ message: OutboxMessage) async -> DeliveryResult {
        // `post` posts, or edits an earlier post with the same key; `update` only edits, waiting for that post.
        guard message.operation == "post" || message.operation == "update" else {
            return .rejected("unknown Slack operation \(message.operation)")
        }
        guard let post = try? message.decodePayload(as: Post.self),
            let body = (try? JSONSerialization.jsonObject(with: Data(post.message.utf8))) as? [String: Any]
        else { return .rejected("unreadable payload") }
        return await posts.withLock(post.postKey) { await send(post, body: body, message: message) }
    }

    private func send(_ post: Post, body: [String: Any], message: OutboxMessage) async -> DeliveryResult {
        var body = body
        // A database blip must not read as "never posted": that would post a second message instead of editing.
        let previous: (channel: String, ts: String, shown: Int64?)?
        do {
            let key = post.postKey
            previous = try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT channel, ts, message_id FROM slack_posts WHERE key = ?", arguments: [key])
                    .map { ($0["channel"] as String, $0["ts"] as String, $0["message_id"] as Int64?) }
            }
        } catch {
            return .retry("cannot read the earlier post of \(post.postKey): \(error)")
        }
        // Queued before the state the post already shows (a retry that lost the race): showing it would go back.
        if let shown = previous?.shown, let id = message.id, id < shown { return .sent }
        let method: String
        if let previous {
            method = "chat.update"
            body["channel"] = previous.channel
            body["ts"] = previous.ts
        } else if message.operation == "update" {
            return .waiting("the message to update has not been posted yet", after: .seconds(2))
        } else {
            switch await channel(for: post) {
            case .success(let channel): body["channel"] = channel
            case .failure(let failure): return failure.result
            }
            method = "chat.postMessage"
        }
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { return .rejected("cannot encode") }

        let answer: ProviderHTTP.Answer
        switch await http.send(
            .POST, settings.baseURL + "/" + method, headers: [("authorization", "Bearer \(settings.token.reveal())")],
            json: data)
        {
        case .failure(let failure): return failure.result
        case .success(let value): answer = value
        }
        let judged = DeliveryResult.judging(
            status: answer.status, headers: answer.headers, body: answer.body, describe: { _ in nil })
        guard case .sent = judged else { return judged }
        guard let json = answer.json, json["ok"] as? Bool == true else {
            let error = answer.json?["error"] as? String ?? "unreadable answer"
            let reason = "Slack \(method): \(error)" + (Self.advice[error].map { " (\($0))" } ?? "")
            return Self.transientErrors.contains(error)
                ? .retry(reason, after: DeliveryResult.retryAfter(answer.headers)) : .rejected(reason)
        }
        if let channel = json["channel"] as? String, let ts = json["ts"] as? String {
            await record(post, channel: channel, ts: ts, message: message)
        }
        return .sent
    }

    /// Remembers where the post is, so later edits find it. The message is already in Slack: a failed write is
    /// tried again (a busy database), and if it still fails it is logged, since the next edit of this post would
    /// then wait for a post it cannot find, and a re-post would post a second message.
    private func record(_ post: Post, channel: String, ts: String, message: OutboxMessage) async {
        var failure: (any Error)?
        for _ in 0..<3 {
            do {
                try await write(post, channel: channel, ts: ts, message: message)
                return
            } catch {
                failure = error
            }
        }
        logger.error(
            "posted to Slack but could not record where: later edits of this message will not find it",
            metadata: [
                "post_key": "\(post.postKey)", "channel": "\(channel)", "ts": "\(ts)",
                "error": "\(failure.map { "\($0)" } ?? "unknown")",
            ])
    }

    private func write(_ post: Post, channel: String, ts: String, message: OutboxMessage) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO slack_posts (key, channel, ts, updated_at, message_id, posted_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts,
                        updated_at = excluded.updated_at,
                        message_id = MAX(COALESCE(message_id, 0), COALESCE(excluded.message_id, 0))
                    """,
                arguments: [post.postKey, channel, ts, now().unixTime, message.id, now().unixTime])
        }
    }

    /// When the post under `key` first became visible in Slack, if it has.
    public static func postedAt(_ key: String, in db: Database) throws -> Date? {
        try Double.fetchOne(db.cachedStatement(sql: "SELECT posted_at FROM slack_posts WHERE key = ?"), arguments: [key])
            .map(Date.init(timeIntervalSince1970:))
    }

    /// The incident's channel, asking incident.io when the webhook had none yet, else the default channel.
    private func channel(for post: Post) async -> Result<String, DeliveryFailure> {
        if !post.channel.isEmpty { return .success(post.channel) }
        if let incidentIO, let id = post.incidentID {
            do {
                if let channel = try await incidentIO.incident(id: id).slackChannelID, !channel.isEmpty {
                    return .success(channel)
                }
            } catch {
                if settings.defaultChannel == nil { return .failure(DeliveryFailure(result: .retry("\(error)"))) }
            }
        }
        if let channel = settings.defaultChannel { return .success(channel) }
        return .failure(
            DeliveryFailure(
                result: .rejected(
                    "no Slack channel: the incident has none and integrations.slack.default_channel_id is not set")))
    }

    private static let advice: [String: String] = [
        "channel_not_found": "check the channel id, or invite the bot to the private channel",
        "not_in_channel": "invite the Inquest bot to the channel",
        "invalid_auth": "check integrations.slack.token",
        "not_authed": "check integrations.slack.token",
        "account_inactive": "the Slack token belongs to a deactivated bot or user",
        "missing_scope": "the bot needs the chat:write scope",
    ]
}
