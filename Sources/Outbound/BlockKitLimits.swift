import Foundation

/// Cuts a rendered Slack message to the limits Block Kit enforces, so outside data (a long alert summary, release
/// notes in a change summary) can never make Slack refuse the whole message with `invalid_blocks`.
///
/// Limits as the Slack SDKs enforce them: header text 150 characters, section and context text 3,000, section
/// fields 2,000, button text 75 and value 2,000, 50 blocks, top-level `text` 4,000 (Slack truncates at 40,000 but
/// recommends 4,000). A cut text ends with an ellipsis and, where there is one, a link to the full page.
enum BlockKitLimits {
    static let headerText = 150
    static let sectionText = 3000
    static let fieldText = 2000
    static let contextText = 3000
    static let buttonText = 75
    static let buttonValue = 2000
    static let blocks = 50
    static let messageText = 4000

    /// - Parameter more: the page with the whole content, linked after a cut mrkdwn text.
    static func enforce(_ message: [String: Any], more: String?) -> [String: Any] {
        var message = message
        if let text = message["text"] as? String {
            message["text"] = cut(text, to: messageText, mrkdwn: true, more: nil)
        }
        guard var blocks = message["blocks"] as? [[String: Any]] else { return message }
        if blocks.count > Self.blocks {
            // Keep the last block: templates end with their actions (the Acknowledge or Open button).
            blocks = Array(blocks.prefix(Self.blocks - 1)) + [blocks[blocks.count - 1]]
        }
        message["blocks"] = blocks.map { enforce(block: $0, more: more) }
        return message
    }

    private static func enforce(block: [String: Any], more: String?) -> [String: Any] {
        var block = block
        switch block["type"] as? String {
        case "header":
            block["text"] = limit(textObject: block["text"], to: headerText, more: nil)
        case "section":
            block["text"] = limit(textObject: block["text"], to: sectionText, more: more)
            if let fields = block["fields"] as? [Any] {
                block["fields"] = fields.prefix(10).map { limit(textObject: $0, to: fieldText, more: more) as Any }
            }
        case "context":
            if let elements = block["elements"] as? [Any] {
                block["elements"] = elements.prefix(10).map { limit(textObject: $0, to: contextText, more: more) as Any }
            }
        case "actions":
            if let elements = block["elements"] as? [[String: Any]] {
                block["elements"] = elements.prefix(25).map { element in
                    var element = element
                    element["text"] = limit(textObject: element["text"], to: buttonText, more: nil)
                    if let value = element["value"] as? String {
                        element["value"] = String(String.UnicodeScalarView(value.unicodeScalars.prefix(buttonValue)))
                    }
                    return element
                }
            }
        default:
            break
        }
        return block
    }

    private static func limit(textObject: Any?, to length: Int, more: String?) -> Any? {
        guard var object = textObject as? [String: Any], let text = object["text"] as? String else { return textObject }
        object["text"] = cut(text, to: length, mrkdwn: object["type"] as? String == "mrkdwn", more: more)
        return object
    }

    /// `text` within `length` code points. A mrkdwn cut never splits an entity (`&amp;`) or a link (`<url|label>`),
    /// and ends with a link to `more` when that fits.
    static func cut(_ text: String, to length: Int, mrkdwn: Bool, more: String?) -> String {
        // Counted in code points, as Slack and its SDKs count (a grapheme count would undercount emoji).
        guard text.unicodeScalars.count > length else { return text }
        let tail = mrkdwn && more != nil && more!.unicodeScalars.count + 12 < length / 2 ? "… <\(more!)|(more)>" : "…"
        var kept = String(String.UnicodeScalarView(text.unicodeScalars.prefix(length - tail.unicodeScalars.count)))
        if mrkdwn {
            if let open = kept.lastIndex(of: "<"), kept[open...].firstIndex(of: ">") == nil { kept = String(kept[..<open]) }
            if let amp = kept.lastIndex(of: "&"), kept[amp...].firstIndex(of: ";") == nil { kept = String(kept[..<amp]) }
        }
        return kept + tail
    }
}
