/// What an incident's own words say, beyond naming services: symptoms that point at a kind of change (a TLS
/// handshake failure at a certificate rotation), and phrases that point away from every logged change (a
/// provider's confirmed outage, a power loss, a traffic surge). Each match is named in a factor's reason.
enum IncidentVocabulary {
    /// A symptom family: incident words, and the change words that could produce them.
    struct Symptom {
        var incident: [String]
        var change: [String]
    }

    static let symptoms: [Symptom] = [
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
            incident: ["deleted", "missing data", "data loss", "empty"],
            change: ["delete", "deletion", "cleanup", "wipe", "truncate", "purge", "drop"]),
    ]

    /// The first symptom family the incident and the change share: (incident word, change word).
    static func symptom(incident: String, change: String) -> (String, String)? {
        for family in symptoms {
            guard let seen = family.incident.first(where: { ChangeReach.containsWord(incident, $0) }) else { continue }
            if let cause = family.change.first(where: { ChangeReach.containsWord(change, $0) }) { return (seen, cause) }
        }
        return nil
    }

    /// Phrases that point to a cause outside the change log.
    static let externalCauses = [
        "provider confirmed", "provider outage", "provider is investigating", "provider reports", "status page",
        "upstream", "third-party", "third party", "power loss", "power outage", "power failure", "loss of power",
        "lost power", "fire", "flood", "water leak", "cooling", "ddos", "denial of service", "attack", "botnet",
        "traffic spike", "traffic surge", "surge", "record traffic", "record number", "10x", "10×", "unusual traffic",
        "certificate expired", "cert expired", "expired at", "has expired", "expiry", "hardware failure",
        "disk failure", "failed disk", "failing disk", "fiber cut", "cable cut", "aws outage", "gcp outage",
        "azure outage", "cloud provider", "card network", "carrier outage", "wraparound", "leap day", "leap second",
    ]

    /// The external-cause phrases an incident's text contains, in the order listed.
    static func externalCauses(in text: String) -> [String] {
        let lowered = text.lowercased()
        return externalCauses.filter { ChangeReach.containsWord(lowered, $0) }
    }
}
