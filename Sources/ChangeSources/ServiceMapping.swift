import Investigation

/// Which catalog service a source's subject — a repository, application, workspace or flag — is.
///
/// The source's own map (`changes.sources.<source>.services`) first, then the catalog's names and aliases, tolerant
/// of case and separators, for the subject and then its alternatives (`acme/payment-gateway`, then
/// `payment-gateway`). Nothing matched: the raw subject is the service, and the change says it is unmapped.
public struct ServiceMapping: Sendable {
    /// Where a subject's changes go: a service, and the environment when the tool does not say or says it otherwise.
    public struct Target: Sendable, Equatable {
        public var service: String
        public var environment: String?

        public init(service: String, environment: String? = nil) {
            self.service = service
            self.environment = environment
        }
    }

    private let explicit: [String: Target]
    private let catalog: ServiceCatalog

    public init(services: [String: Target] = [:], catalog: ServiceCatalog) {
        explicit = Dictionary(services.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.catalog = catalog
    }

    /// The service, the environment (a mapped one wins over the tool's), and whether anything matched.
    public func target(for change: SourceChange) -> (target: Target, mapped: Bool) {
        let names = [change.subject] + change.alternatives
        for name in names {
            if var target = explicit[name.lowercased()] {
                target.environment = target.environment ?? change.environment
                return (target, true)
            }
        }
        for name in names {
            if let service = catalog.service(named: name) { return (Target(service: service, environment: change.environment), true) }
        }
        return (Target(service: change.subject, environment: change.environment), false)
    }
}

extension ServiceMapping.Target: Decodable {
    /// `payment-gateway`, or `{service: payment-gateway, environment: production}`.
    public init(from decoder: any Decoder) throws {
        if let service = try? decoder.singleValueContainer().decode(String.self) {
            self.init(service: service)
            return
        }
        enum Keys: String, CodingKey { case service, environment }
        guard let container = try? decoder.container(keyedBy: Keys.self),
            let service = try? container.decode(String.self, forKey: .service)
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected a service name or {service, environment}"))
        }
        self.init(service: service, environment: try container.decodeIfPresent(String.self, forKey: .environment))
    }
}
