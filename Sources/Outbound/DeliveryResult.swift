import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What became of one delivery attempt, as the provider judges it.
public enum DeliveryResult: Sendable, Equatable {
    case sent
    /// A transient failure (5xx, 408, 429, a timeout, a refused connection): try again, not before `after`
    /// when the provider said so (`Retry-After`).
    case retry(String, after: Duration? = nil)
    /// The provider refused the message itself (other 4xx, Slack `channel_not_found`): sending it again cannot
    /// help, so it is dead with the provider's reason.
    case rejected(String)
    /// The message depends on an earlier one that is not delivered yet (an edit of a Slack post still queued):
    /// look again after `after` without spending an attempt, so a long provider outage cannot kill the edit
    /// before the post it edits; only `max_age` ends the wait.
    case waiting(String, after: Duration)

    /// The usual HTTP judgement; providers refine it (Slack's `ok: false`, incident.io's 404 fallback).
    /// `describe` turns an error body into the provider's message.
    package static func judging(
        status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, describe: (ByteBuffer) -> String?
    ) -> DeliveryResult {
        switch status.code {
        case 200..<300:
            return .sent
        case 408, 429, 500..<600:
            let reason = "HTTP \(status.code)" + (describe(body).map { ": \($0)" } ?? "")
            return .retry(reason, after: retryAfter(headers))
        default:
            return .rejected("HTTP \(status.code)" + (describe(body).map { ": \($0)" } ?? ""))
        }
    }

    /// `Retry-After` in seconds (the form every provider here uses).
    package static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        headers.first(name: "retry-after").flatMap(Double.init).map { .milliseconds(Int64(max(0, $0) * 1000)) }
    }

    /// A request that never got an answer: always worth retrying. The message names the failure, not the request.
    static func transport(_ error: any Error) -> DeliveryResult {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            .retry("timed out")
        case let error as HTTPClientError where error == .connectTimeout:
            .retry("connect timed out")
        case is HTTPClientError:
            .retry("HTTP client error: \(error)")
        default:
            .retry("connection failed: \(error)")
        }
    }
}
