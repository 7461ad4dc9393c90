import Foundation

/// The words correlation reads incidents and changes with: symptoms that point at a kind of change (a TLS
/// handshake failure at a certificate rotation), phrases that point away from every logged change (a provider's
/// confirmed outage, a power loss), what marks a change as a response, a recurring job or an autoscaler's reaction,
/// and the names of shared infrastructure. Built in; `correlation.vocabulary_path` names a YAML file whose keys
/// replace the built-in lists (`inquest vocabulary` prints them as a starting point).
public struct CorrelationVocabulary: Sendable, Equatable, Codable {
    /// A symptom family: incident words, and the change words that could produce them.
    public struct Symptom: Sendable, Equatable, Codable {
        public var incident: [String]
        public var change: [String]
    }

    public var symptoms: [Symptom]
    /// Phrases of an incident that point to a cause outside the change log.
    public var externalCauses: [String]
    /// Words of a change that read like a responder's action rather than a cause.
    public var responseWords: [String]
    /// Jobs that run on a schedule: each run is one of many that did not cause an incident.
    public var recurringWords: [String]
    /// Automation that reacts to load: usually a consequence of the incident's traffic, not its cause.
    public var reactiveWords: [String]
    /// Words and two-word phrases of a service name that mark it as shared infrastructure (DNS, the network,
    /// load balancers and proxies, config distribution, certificates, discovery, identity, the container platform).
    public var sharedInfrastructure: [String]

    enum CodingKeys: String, CodingKey {
        case symptoms
        case externalCauses = "external_causes"
        case responseWords = "response_words"
        case recurringWords = "recurring_words"
        case reactiveWords = "reactive_words"
        case sharedInfrastructure = "shared_infrastructure"
    }

    public static let builtIn = CorrelationVocabulary(
        symptoms: [
            .init(
                incident: ["certificate", "tls", "ssl", "handshake", "x509", "expired cert"],
                change: ["cert", "certificate", "trust", "bundle", "tls", "rotate", "rotation", "pki"]),
            .init(
                incident: ["servfail", "nxdomain", "resolution", "resolve", "resolving", "dns", "lookup"],
                change: ["dns", "record", "zone", "resolver", "dnssec", "nameserver", "bind", "ds record"]),
            .init(
                incident: ["unreachable", "withdrawn", "prefix", "bgp", "packet loss", "connectivity", "network", "routes"],
                change: ["bgp", "route", "routing", "prefix", "backbone", "router", "peering", "network", "link", "optical",
                    "spine", "topology"]),
            .init(
                incident: ["permission denied", "403", "forbidden", "access denied", "unauthorized", "authorization"],
                change: ["grant", "iam", "role", "permission", "policy", "acl", "access"]),
            .init(
                incident: ["oom", "out of memory", "memory"],
                change: ["limit", "memory", "pool", "cache", "heap"]),
            .init(
                incident: ["5xx", "502", "503", "edge", "cdn", "cpu"],
                change: ["proxy", "waf", "rules", "edge", "cdn", "regex"]),
            .init(
                incident: ["crash loop", "crashloop", "crashing", "restarting", "not ready", "notready"],
                change: ["config", "image", "kernel", "upgrade", "kubernetes", "agent"]),
            .init(
                incident: ["database", "replication", "primary", "replica", "queries", "deadlock", "lock"],
                change: ["migration", "schema", "index", "database", "replica", "vacuum", "repack", "table", "failover"]),
            .init(
                incident: ["sign in", "log in", "login", "authenticated", "credential", "session"],
                change: ["auth", "oauth", "identity", "session", "token", "quota", "credential"]),
            .init(
                incident: ["instances", "servers", "nodes", "capacity", "rebooted", "offline"],
                change: ["capacity", "remove", "removing", "decommission", "reboot", "scale", "nodes", "servers"]),
            .init(
                incident: ["deleted", "missing", "data loss", "empty", "gone", "lost", "disappeared", "no data"],
                change: ["delete", "deletion", "cleanup", "clean up", "wipe", "truncate", "purge", "drop", "reset", "remove",
                    "removal", "destroy"]),
        ],
        externalCauses: [
            "provider confirmed", "provider outage", "provider is investigating", "provider reports", "status page",
            "upstream", "third-party", "third party", "power loss", "power outage", "power failure", "loss of power",
            "lost power", "fire", "flood", "water leak", "cooling", "ddos", "denial of service", "attack", "botnet",
            "traffic spike", "traffic surge", "surge", "record traffic", "record number", "10x", "10×", "unusual traffic",
            "certificate expired", "cert expired", "expired at", "has expired", "expiry", "hardware failure",
            "disk failure", "failed disk", "failing disk", "fiber cut", "cable cut", "aws outage", "gcp outage",
            "azure outage", "cloud provider", "card network", "carrier outage", "wraparound", "leap day", "leap second",
        ],
        responseWords: [
            "emergency", "mitigation", "mitigate", "incident in progress", "(incident", "maintenance mode", "failover",
            "fail over", "restore", "block all", "halt", "pause", "kill switch", "shed load", "load shedding",
        ],
        recurringWords: ["hourly", "daily", "nightly", "weekly", "every hour", "scheduled backup", "cron"],
        reactiveWords: ["hpa", "autoscaler", "autoscaling", "auto scaling", "asg", "scaled", "scale-out", "scale out"],
        sharedInfrastructure: [
            "dns", "resolver", "dnssec", "bind", "coredns", "bgp", "backbone", "network", "networking", "router", "routers",
            "routing", "spine", "wan", "peering", "lb", "glb", "elb", "alb", "nlb", "haproxy", "envoy", "nginx", "edge",
            "proxy", "waf", "cdn", "ingress", "firewall", "vpc", "quicksilver", "consul", "etcd", "zookeeper", "cert",
            "certs", "certificate", "certificates", "pki", "tls", "trust", "ca", "discovery", "iam", "identity", "kubernetes",
            "k8s", "kube", "cluster", "platform", "kernel", "hypervisor", "booter", "cilium", "calico", "istio", "mesh",
            "load balancer", "service discovery", "control plane", "config distribution", "base image", "node image",
            "os image", "trust bundle", "transit gateway", "traffic director",
        ]
    )

    /// The symptom families an incident's (lowercased) text shows, in order, each with the first of its words seen:
    /// worked out once per investigation, then asked of every candidate by ``symptom(_:change:)``.
    func symptoms(incident: String) -> [(seen: String, causes: [String])] {
        symptoms.compactMap { family in
            family.incident.first { ChangeReach.containsWord(incident, $0) }.map { ($0, family.change) }
        }
    }

    /// The first of the incident's symptom families the change's words could produce: (incident word, change word).
    static func symptom(_ families: [(seen: String, causes: [String])], change: String) -> (String, String)? {
        for family in families {
            if let cause = family.causes.first(where: { ChangeReach.containsWord(change, $0) }) { return (family.seen, cause) }
        }
        return nil
    }

    /// The external-cause phrases an incident's text contains, in the order listed, leaving out those its own
    /// clause negates ("not an attack as far as we can tell", "no sign of a DDoS").
    func externalCauses(in text: String) -> [String] {
        let clauses = text.lowercased().split(whereSeparator: { ".;,!?\n".contains($0) }).map(String.init)
        return externalCauses.filter { phrase in
            clauses.contains { clause in
                guard ChangeReach.containsWord(clause, phrase), let at = clause.range(of: phrase) else { return false }
                let before = String(clause[..<at.lowerBound])
                return !Self.negations.contains { ChangeReach.containsWord(before, $0) }
            }
        }
    }

    /// Words that, earlier in the same clause, turn an external-cause phrase into its denial.
    private static let negations = ["not", "no", "isn't", "wasn't", "ruled out", "rules out", "unlikely", "without", "nor"]

    static func firstWord(of words: [String], in text: String) -> String? {
        let lowered = text.lowercased()
        return words.first { ChangeReach.containsWord(lowered, $0) }
    }

    /// ``sharedInfrastructure`` split into a set of words and a list of phrases, worked out once per correlator:
    /// every candidate's service is checked against it.
    struct SharedNames: Sendable {
        private let words: Set<String>
        private let phrases: [String]

        init(_ vocabulary: CorrelationVocabulary) {
            words = Set(vocabulary.sharedInfrastructure.filter { !$0.contains(" ") })
            phrases = vocabulary.sharedInfrastructure.filter { $0.contains(" ") }
        }

        /// Whether a lowercased text names shared infrastructure: one of its words is a listed word, or it holds a
        /// listed phrase. Reads the text's bytes in place: it is asked of candidates' summaries.
        func match(inLowercased text: String) -> Bool {
            var text = text
            let found = text.withUTF8 { bytes in
                bytes.split(whereSeparator: { !($0 >= 0x80 || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A)) })
                    .contains { words.contains(String(decoding: $0, as: UTF8.self)) }
            }
            return found || phrases.contains { ChangeReach.containsWord(text, $0) }
        }

        /// Whether a service's name marks it as shared infrastructure: one of its words is a listed word, or it
        /// holds a listed phrase.
        func match(_ service: String) -> Bool {
            let parts = ServiceCatalog.normalize(service).split(separator: " ")
            if parts.contains(where: { words.contains(String($0)) }) { return true }
            guard parts.count > 1 else { return false }
            let normalized = parts.joined(separator: " ")
            return phrases.contains { ChangeReach.containsWord(normalized, $0) }
        }
    }
}
