import Foundation
import Mustache

/// A Slack message (`text` + Block Kit `blocks`) rendered from a Mustache template, so teams can reshape messages
/// without a release.
///
/// Values are escaped for Slack text (`&`, `<`, `>`) and for JSON strings, so an incident title or an alert label
/// can never break the message. A template that does not parse, or does not render a Slack message from sample
/// data, fails at startup rather than at send time.
public struct SlackMessageTemplate: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String)
        case syntax(path: String, error: String)
        case invalidMessage(path: String, problem: String)

        public var description: String {
            switch self {
            case .unreadable(let path): "Slack template \(path): cannot read the file"
            case .syntax(let path, let error): "Slack template \(path): \(error)"
            case .invalidMessage(let path, let problem):
                "Slack template \(path): rendering sample data did not give a Slack message: \(problem)"
            }
        }
    }

    public struct RenderError: Error, CustomStringConvertible {
        public var description: String
    }

    private let template: MustacheTemplate

    /// Loads a template file and checks it renders `sample` into a Slack message.
    public init(path: String, sample: [String: Any]) throws(Failure) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path: path) }
        try self.init(text: text, path: path, sample: sample)
    }

    public init(text: String, path: String = "(inline)", sample: [String: Any]) throws(Failure) {
        Self.registerContentType
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: SLACK_JSON}}" + text)
        } catch {
            throw .syntax(path: path, error: "\(error)")
        }
        do {
            _ = try render(sample)
        } catch {
            throw .invalidMessage(path: path, problem: error.description)
        }
    }

    /// The message JSON object (`text`, `blocks`), checked to be one and cut to Block Kit's limits
    /// (``BlockKitLimits``); a cut text links to `page_url` or `ack_url` when the data has one.
    public func render(_ data: [String: Any]) throws(RenderError) -> String {
        let text = template.render(data)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw RenderError(description: "not a JSON object")
        }
        guard object["text"] is String || object["blocks"] is [Any] else {
            throw RenderError(description: "needs a \"text\" string or a \"blocks\" array")
        }
        let limited = BlockKitLimits.enforce(object, more: (data["page_url"] ?? data["ack_url"]) as? String)
        guard let encoded = try? JSONSerialization.data(withJSONObject: limited, options: [.withoutEscapingSlashes])
        else { throw RenderError(description: "cannot encode the message") }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Slack text escaping, then JSON string escaping.
    private struct SlackJSON: MustacheContentType {
        func escapeText(_ text: String) -> String {
            var out = ""
            out.reserveCapacity(text.count)
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    private static let registerContentType: Void = MustacheContentTypes.register(SlackJSON(), named: "SLACK_JSON")
}
