import Foundation
import Hummingbird
import Logging
import NIOCore
import Outbound
import WebhookIn

/// `POST /api/slack/interactions`: the "Acknowledge" button on alert notifications. Checks Slack's request
/// signature, acknowledges as the clicking user, and answers at once; the message itself is edited through the
/// outbox (`chat.update`) to show who acknowledged and when.
public struct SlackInteractionsController: Sendable {
    private let signature: SlackRequestSignature
    private let escalations: Escalations
    private let now: @Sendable () -> Date

    public init(signature: SlackRequestSignature, escalations: Escalations, now: @escaping @Sendable () -> Date) {
        self.signature = signature
        self.escalations = escalations
        self.now = now
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.post("/api/slack/interactions") { request, context in
            let body = try await request.body.collect(upTo: 1 << 20)
            let data = Data(buffer: body)
            do throws(SlackRequestSignature.Failure) {
                try signature.verify(
                    signature: request.headers[.init("X-Slack-Signature")!],
                    timestamp: request.headers[.init("X-Slack-Request-Timestamp")!], body: data, now: now())
            } catch {
                context.logger.warning("rejected Slack interaction", metadata: ["reason": "\(error)"])
                throw HTTPError(.unauthorized, message: error.description)
            }
            guard let form = try? URLEncodedFormDecoder().decode(InteractionForm.self, from: String(decoding: data, as: UTF8.self)),
                let payload = try? JSONDecoder().decode(Interaction.self, from: Data(form.payload.utf8))
            else { throw HTTPError(.badRequest, message: "expected a form field \"payload\" with Slack's interaction JSON") }

            for action in payload.actions ?? [] where action.actionID == "acknowledge" {
                guard let id = action.value else { continue }
                let user =
                    AckController.displayName(payload.user?.username ?? payload.user?.name ?? payload.user?.id)
                    ?? "a Slack user"
                let outcome = try await escalations.acknowledge(id, by: user, at: now())
                context.logger.info(
                    "alert acknowledged in Slack", metadata: ["incident_id": "\(id)", "outcome": "\(outcome)"])
            }
            return Response(status: .ok)
        }
    }

    /// Slack posts the interaction as a form with one field, `payload`, holding JSON.
    struct InteractionForm: Decodable {
        var payload: String
    }

    /// The parts of a `block_actions` payload Inquest reads.
    struct Interaction: Decodable {
        struct User: Decodable {
            var id: String?
            var username: String?
            var name: String?
        }
        struct Action: Decodable {
            var actionID: String?
            var value: String?
            enum CodingKeys: String, CodingKey {
                case value
                case actionID = "action_id"
            }
        }
        var type: String?
        var user: User?
        var actions: [Action]?
    }
}
