/// Finds where a member's value lies in a JSON object's bytes, so a delivery's resource can be stored exactly as
/// received instead of being encoded again (re-encoding took a tenth of the server's time under load).
///
/// Only for bytes a `JSONDecoder` has already accepted: it does not validate. It answers nil, and the caller
/// encodes instead, for anything it does not handle plainly: a key written with escapes, or a key given twice.
enum JSONMemberSpan {
    /// Where `key`'s value lies in `bytes`, which must hold one whole JSON object.
    static func value(forKey key: String, in bytes: [UInt8]) -> Range<Int>? {
        let wanted = Array(key.utf8)
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var found: Range<Int>?
        while true {
            scanner.skipWhitespace()
            if scanner.take(UInt8(ascii: "}")) { return found }
            guard let name = scanner.string(), !bytes[name].contains(UInt8(ascii: "\\")) else { return nil }
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipWhitespace()
            guard let value = scanner.value() else { return nil }
            if bytes[name].elementsEqual(wanted) {
                guard found == nil else { return nil }
                found = value
            }
            scanner.skipWhitespace()
            _ = scanner.take(UInt8(ascii: ","))
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func isDelimiter(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
        }

        mutating func skipWhitespace() {
            while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string's contents, without its quotes.
        mutating func string() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<(index - 1)
                default: index += 1
                }
            }
            return nil
        }

        /// Any value, skipped whole: strings by their quotes, objects and arrays by their brackets.
        mutating func value() -> Range<Int>? {
            let start = index
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard string() != nil else { return nil }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard string() != nil else { return nil }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return start..<index
                        }
                    default: break
                    }
                    index += 1
                }
                return nil
            default:
                // A number, true, false or null: up to the next delimiter.
                while index < bytes.count, !Self.isWhitespace(bytes[index]), !Self.isDelimiter(bytes[index]) { index += 1 }
            }
            return start..<index
        }
    }
}
