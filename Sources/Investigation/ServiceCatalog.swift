/// The services Inquest knows, their aliases and what each depends on.
///
/// Built from `services:` in the config plus every service name seen in the change log. It answers the two
/// questions correlation asks: which services does this text name, and how is a changed service related to the
/// services an incident is about.
public struct ServiceCatalog: Sendable, Equatable {
    public struct Service: Sendable, Equatable {
        public var name: String
        public var aliases: [String]
        public var environment: String?
        public var dependsOn: [String]
        /// Platform infrastructure whose changes can reach every service (`services.<name>.shared: true`); nil
        /// leaves it to recognition by name (``CorrelationVocabulary/sharedInfrastructure``).
        public var shared: Bool?

        public init(
            name: String, aliases: [String] = [], environment: String? = nil, dependsOn: [String] = [], shared: Bool? = nil
        ) {
            self.name = name
            self.aliases = aliases
            self.environment = environment
            self.dependsOn = dependsOn
            self.shared = shared
        }
    }

    /// How a changed service relates to the incident's services.
    public struct Relation: Sendable, Equatable {
        public var score: Double
        public var reason: String
    }

    public private(set) var services: [String: Service] {
        didSet { index = Index(services) }
    }
    /// Worked out from ``services`` whenever it changes: every investigation asks which of them a text names, and
    /// whether a changed service has dependents, of a catalog that holds every service the change log has seen.
    private var index: Index

    private struct Index: Sendable, Equatable {
        /// Each service's name and aliases, normalized, in name order.
        var names: [(service: String, names: [String])] = []
        /// Services something depends on.
        var dependedOn: Set<String> = []

        init(_ services: [String: Service]) {
            names = services.values.sorted { $0.name < $1.name }.map { service in
                (service.name, ([service.name] + service.aliases).map(ServiceCatalog.normalize))
            }
            dependedOn = Set(services.values.flatMap(\.dependsOn))
        }

        static func == (lhs: Index, rhs: Index) -> Bool {
            lhs.dependedOn == rhs.dependedOn && lhs.names.elementsEqual(rhs.names) { $0.service == $1.service && $0.names == $1.names }
        }
    }

    public init(services: [Service] = []) {
        let services = Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.services = services
        index = Index(services)
    }

    /// Adds names seen in the change log that the config does not describe.
    public mutating func addSeen(_ names: some Sequence<String>) {
        var added = services
        for name in names where added[name] == nil {
            added[name] = Service(name: name)
        }
        if added.count != services.count { services = added }
    }

    /// The canonical service for a name or alias, tolerant of case and of `-`, `_`, `.` or spaces between words.
    public func service(named text: String) -> String? {
        let wanted = Self.normalize(text)
        guard !wanted.isEmpty else { return nil }
        return index.names.first { $0.names.contains(wanted) }?.service
    }

    /// Services whose name or an alias appears in `text` as whole words, longest names first.
    public func services(mentionedIn text: String) -> [String] {
        let haystack = Self.normalize(text)
        // Names shorter than three letters ("db", "ui") would match ordinary words.
        return index.names.filter { entry in entry.names.contains { $0.utf8.count >= 3 && ChangeReach.containsWord(haystack, $0) } }
            .map(\.service)
    }

    /// Same service 1.0; a direct dependency of an affected service 0.7; two hops 0.45; a service that depends
    /// on an affected one 0.3; unrelated 0.15; unknown (the incident names no service) 0.5.
    public func relation(of changed: String, to affected: [String]) -> Relation {
        guard !affected.isEmpty else {
            return Relation(score: 0.5, reason: "the incident names no known service")
        }
        if affected.contains(changed) { return Relation(score: 1.0, reason: "\(changed) is the affected service") }
        for service in affected {
            let direct = services[service]?.dependsOn ?? []
            if direct.contains(changed) {
                return Relation(score: 0.7, reason: "\(service) depends on \(changed)")
            }
        }
        for service in affected {
            for middle in services[service]?.dependsOn ?? [] where services[middle]?.dependsOn.contains(changed) == true {
                return Relation(score: 0.45, reason: "\(service) depends on \(middle), which depends on \(changed)")
            }
        }
        if let dependent = affected.first(where: { services[changed]?.dependsOn.contains($0) == true }) {
            return Relation(score: 0.3, reason: "\(changed) depends on the affected \(dependent)")
        }
        // Change logs name services loosely: `postgresql` for the catalog's `postgres-primary`. A service the
        // dependency graph does not know, named like an affected one, is probably the same thing.
        if isolated(changed), let similar = affected.first(where: { Self.namedAlike(changed, $0) }) {
            return Relation(score: 0.6, reason: "\(changed) is not in the catalog's graph, but is named like the affected \(similar)")
        }
        return Relation(score: 0.15, reason: "\(changed) is not related to \(affected.joined(separator: ", "))")
    }

    /// Whether nothing in the catalog depends on `service` and it depends on nothing.
    func isolated(_ service: String) -> Bool {
        (services[service]?.dependsOn ?? []).isEmpty && !index.dependedOn.contains(service)
    }

    /// Two names sharing a word of five letters or more, or one such word the prefix of the other's
    /// (`postgres` and `postgresql`).
    static func namedAlike(_ a: String, _ b: String) -> Bool {
        // On UTF-8 bytes, case-folded as compared: every unrelated candidate's service is checked against each
        // affected one.
        func words(_ name: String) -> [[UInt8]] {
            name.utf8.split(whereSeparator: { !($0 >= 0x80 || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)) })
                .filter { $0.count >= 5 }.map { $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        }
        let right = words(b)
        guard !right.isEmpty else { return false }
        return words(a).contains { word in right.contains { other in other.starts(with: word) || word.starts(with: other) } }
    }

    /// Whether `service` depends on `dependency`, directly or through others (up to four hops).
    public func dependsTransitively(_ service: String, on dependency: String) -> Bool {
        var frontier = [service]
        var seen: Set<String> = [service]
        for _ in 0..<4 {
            frontier = frontier.flatMap { services[$0]?.dependsOn ?? [] }.filter { seen.insert($0).inserted }
            if frontier.contains(dependency) { return true }
            if frontier.isEmpty { return false }
        }
        return false
    }

    /// The affected services and their dependencies up to two hops: the services worth loading every change of.
    public func neighbourhood(of affected: [String]) -> Set<String> {
        var result = Set(affected)
        for service in affected {
            for direct in services[service]?.dependsOn ?? [] {
                result.insert(direct)
                result.formUnion(services[direct]?.dependsOn ?? [])
            }
        }
        for (name, service) in services where !Set(service.dependsOn).isDisjoint(with: affected) {
            result.insert(name)
        }
        return result
    }

    /// Lowercased words separated by single spaces: `Checkout_Service` and `checkout-service` both become
    /// `checkout service`.
    static func normalize(_ text: String) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
        }
        // ASCII, byte by byte: the catalog's names go through here on every investigation.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
            default: if let last = bytes.last, last != UInt8(ascii: " ") { bytes.append(UInt8(ascii: " ")) }
            }
        }
        if bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
