import Foundation

/// How much of the system a change reached, or an incident affects, read from their own words and fields: a
/// canary or percentage, a stage of a staged rollout, named regions, zones or cells, or "global"/"all regions".
struct ChangeReach: Equatable {
    enum Breadth: Equatable {
        /// A canary, a small percentage, an early stage, one location.
        case narrow
        /// Everything: 100 %, the last stage, all regions, global.
        case full
        case unknown
        /// By its own words the change altered no live behaviour: shipped dark, in log or dry-run mode.
        case inert
    }

    var breadth: Breadth
    /// Regions, zones or cells named (`us-east-1`, `europe-west9-a`, `eu1`).
    var places: Set<String>
    /// What the breadth was read from, for the factor's reason.
    var evidence: String?

    /// A change's reach: `metadata.rollout_percentage`, `metadata.stage`, `metadata.scope`, `metadata.regions`, then
    /// its summary.
    init(change: Change) {
        let metadata = change.metadata.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]
        let text = change.summary.lowercased()
        var places = Self.places(in: text)
        for key in ["regions", "region", "zones", "zone", "cell", "cells", "datacenter", "datacenters"] {
            if let list = metadata?[key] as? [String] { places.formUnion(list.map { $0.lowercased() }) }
            if let one = metadata?[key] as? String { places.insert(one.lowercased()) }
        }
        self.places = places
        if let word = Self.inertWords.first(where: { Self.containsWord(text, $0) })
            ?? (metadata?["mode"] as? String).map({ $0.lowercased() }).flatMap({ Self.inertModes.contains($0) ? "mode \($0)" : nil })
        {
            breadth = .inert
            evidence = "\"\(word)\""
        } else if let percentage = (metadata?["rollout_percentage"] as? NSNumber)?.doubleValue ?? Self.percentage(in: text) {
            breadth = percentage >= 100 ? .full : percentage <= 50 ? .narrow : .unknown
            evidence = "rolled out to \(Int(percentage)) %"
        } else if let stage = (metadata?["stage"] as? String ?? metadata?["wave"] as? String).flatMap(Self.stageFraction)
            ?? Self.stage(in: text)
        {
            breadth = stage.0 >= stage.1 ? .full : .narrow
            evidence = "stage \(stage.0) of \(stage.1)"
        } else if let scope = (metadata?["scope"] as? String)?.lowercased(), Self.globalWords.contains(where: { Self.contains(scope, $0) }) {
            breadth = .full
            evidence = "scope \(scope)"
        } else if let word = Self.globalWords.first(where: { Self.contains(text, $0) }) {
            breadth = .full
            evidence = "\"\(word)\""
        } else if let word = Self.narrowChangeWords.first(where: { Self.containsWord(text, $0) }) {
            breadth = .narrow
            evidence = "\"\(word)\""
        } else {
            breadth = places.count == 1 ? .narrow : .unknown
            evidence = places.count == 1 ? "only \(places.first!)" : nil
        }
    }

    /// An incident's reach, from its title and summary and how many services it names.
    init(incidentText: String, serviceCount: Int) {
        let text = incidentText.lowercased()
        places = Self.places(in: text)
        if let word = Self.narrowIncidentWords.first(where: { Self.containsWord(text, $0) }) {
            breadth = .narrow
            evidence = "\"\(word)\""
        } else if let word = Self.broadIncidentWords.first(where: { Self.containsWord(text, $0) }) {
            breadth = .full
            evidence = "\"\(word)\""
        } else if serviceCount >= 3 {
            breadth = .full
            evidence = "\(serviceCount) services affected"
        } else {
            breadth = .unknown
            evidence = nil
        }
    }

    /// The incident's reach as its metrics show it, when its words name no place: the series broken out by region
    /// (or zone, cell) moved in only some places, or in all of them.
    mutating func adopt(metricPlaces: (moved: Set<String>, all: Set<String>)) {
        guard places.isEmpty, !metricPlaces.moved.isEmpty else { return }
        if metricPlaces.moved == metricPlaces.all {
            breadth = .full
            evidence = "metrics moved in every place read (\(metricPlaces.all.sorted().joined(separator: ", ")))"
        } else {
            places = metricPlaces.moved
            breadth = .narrow
            evidence = "metrics moved only in \(metricPlaces.moved.sorted().joined(separator: ", ")) of "
                + "\(metricPlaces.all.sorted().joined(separator: ", "))"
        }
    }

    static let globalWords = [
        "all regions", "global", "fleet-wide", "fleetwide", "worldwide", "all data centers", "all datacenters",
        "all sites", "all colos", "every region", "all environments", "all clusters", "100%", "100 %",
    ]
    /// Phrases by which a change says it changed no live behaviour yet.
    static let inertWords = [
        "(dark)", "dark launch", "dark-launch", "dark launched", "shipped dark", "deployed dark", "log mode", "log-only",
        "log only", "dry run", "dry-run", "shadow mode", "monitor mode", "report-only", "report only", "no-op", "noop",
        "simulation mode",
    ]
    static let inertModes: Set<String> = ["log", "log-only", "dry-run", "dry_run", "dryrun", "shadow", "monitor", "report-only"]
    static let narrowChangeWords = [
        "canary", "dogfood", "pilot", "single location", "one cell", "one host", "test cluster", "1 node", "one node",
    ]
    static let broadIncidentWords = [
        "all", "every", "everything", "global", "globally", "worldwide", "across", "entire", "everyone", "all regions",
        "multiple regions", "site down", "is down", "are down", "outage", "unavailable", "many",
    ]
    static let narrowIncidentWords = ["some customers", "subset", "a few", "single region", "one region", "partial"]

    /// Regions, zones and cells named in a lowercased text, as whole words: `us-east-1`, `europe-west9`,
    /// `ap-southeast-2b`, `us-east1` (letters, `-`, letters, an optional `-`, one or two digits, an optional letter),
    /// or a short region code `eu1`. A byte scanner rather than a regular expression: every candidate's text goes
    /// through here, and ICU's matcher was a tenth of an investigation.
    static func places(in text: String) -> Set<String> {
        // Every form needs a digit.
        guard text.utf8.contains(where: isDigit) else { return [] }
        let bytes = Array(text.utf8)
        var found: Set<String> = []
        var index = 0
        while index < bytes.count {
            if isLetter(bytes[index]), index == 0 || !isWord(bytes[index - 1]), let end = place(in: bytes, from: index) {
                found.insert(String(decoding: bytes[index..<end], as: UTF8.self))
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    private static let regionCodes: Set<[UInt8]> = Set(["us", "eu", "ap", "sa", "ca", "me", "af"].map { Array($0.utf8) })

    /// The end of a place name starting at `start`, if one does.
    private static func place(in bytes: [UInt8], from start: Int) -> Int? {
        func letters(from index: Int) -> Int {
            var end = index
            while end < bytes.count, isLetter(bytes[end]) { end += 1 }
            return end
        }
        func boundary(_ index: Int) -> Bool { index == bytes.count || !isWord(bytes[index]) }
        let first = letters(from: start)
        if first - start >= 2, first < bytes.count, bytes[first] == UInt8(ascii: "-") {
            let second = letters(from: first + 1)
            if second > first + 1 {
                var digits = second
                if digits < bytes.count, bytes[digits] == UInt8(ascii: "-") { digits += 1 }
                var end = digits
                while end < bytes.count, end - digits < 2, isDigit(bytes[end]) { end += 1 }
                if end > digits {
                    if end < bytes.count, isLetter(bytes[end]), boundary(end + 1) { return end + 1 }
                    if boundary(end) { return end }
                }
            }
        }
        if first - start == 2, first < bytes.count, isDigit(bytes[first]), boundary(first + 1),
            regionCodes.contains(Array(bytes[start..<first]))
        {
            return first + 1
        }
        return nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    /// A byte of a word for `\b`'s purposes: a letter, digit or `_`, or any non-ASCII byte.
    private static func isWord(_ byte: UInt8) -> Bool {
        byte >= 0x80 || isDigit(byte) || byte == UInt8(ascii: "_") || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    private static let percentPattern = try! NSRegularExpression(pattern: #"(\d{1,3}(?:\.\d+)?)\s?%"#)

    static func percentage(in text: String) -> Double? {
        guard text.contains("%") else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = percentPattern.firstMatch(in: text, range: range), let number = Range(match.range(at: 1), in: text)
        else { return nil }
        return Double(text[number])
    }

    private static let stagePattern = try! NSRegularExpression(
        pattern: #"(?:stage|wave|step|batch|ring|phase)\s+(\d{1,2})\s*(?:/|of)\s*(\d{1,2})"#)

    static func stage(in text: String) -> (Int, Int)? {
        guard text.utf8.contains(UInt8(ascii: "/")) || contains(text, " of ") else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = stagePattern.firstMatch(in: text, range: range),
            let first = Range(match.range(at: 1), in: text), let second = Range(match.range(at: 2), in: text),
            let done = Int(text[first]), let total = Int(text[second]), total > 0
        else { return nil }
        return (done, total)
    }

    static func stageFraction(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.count == 2 && parts[1] > 0 ? (parts[0], parts[1]) : nil
    }

    /// Whether `text` holds `word` with no letter or digit either side. Compares UTF-8 bytes: correlation asks this
    /// for every vocabulary entry of every candidate, and Foundation's `range(of:)` made that most of an
    /// investigation's time. A non-ASCII byte next to a match counts as a letter.
    static func containsWord(_ text: String, _ word: String) -> Bool {
        find(word, in: text, wholeWord: true)
    }

    /// Whether `text` holds `part` anywhere, compared as UTF-8 bytes.
    static func contains(_ text: String, _ part: String) -> Bool {
        find(part, in: text, wholeWord: false)
    }

    private static func find(_ word: String, in text: String, wholeWord: Bool) -> Bool {
        var text = text
        var word = word
        return text.withUTF8 { haystack in word.withUTF8 { needle in find(needle, in: haystack, wholeWord: wholeWord) } }
    }

    private static func find(_ word: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, wholeWord: Bool) -> Bool {
        guard let first = word.first, word.count <= text.count else { return false }
        func isWordByte(_ byte: UInt8) -> Bool {
            byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
        }
        var start = 0
        let last = text.count - word.count
        while start <= last {
            if text[start] == first,
                !wholeWord
                    || (!(start > 0 && isWordByte(text[start - 1]))
                        && !(start + word.count < text.count && isWordByte(text[start + word.count]))),
                memcmp(text.baseAddress! + start, word.baseAddress!, word.count) == 0
            {
                return true
            }
            start += 1
        }
        return false
    }
}
