import Investigation

/// Which catalog service a source's subject — a repository, application, workspace or flag — is.
///
/// The source's own map (`changes.sources.<source>.services`) first, then the catalog's names and aliases, tolerant
/// of case and separators, for the subject and then its alternatives (`acme/payment-gateway`, then
/// `payment-gateway`). Nothing matched: the raw subject is the service, and the change says it is unmapped.
public struct ServiceMapping: Sendable {
    private let explicit: [String: String]
    private let catalog: ServiceCatalog

    public init(services: [String: String] = [:], catalog: ServiceCatalog) {
        explicit = Dictionary(services.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.catalog = catalog
    }

    public func service(for change: SourceChange) -> (name: String, mapped: Bool) {
        let names = [change.subject] + change.alternatives
        for name in names {
            if let service = explicit[name.lowercased()] { return (service, true) }
        }
        for name in names {
            if let service = catalog.service(named: name) { return (service, true) }
        }
        return (change.subject, false)
    }
}
