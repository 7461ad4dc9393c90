/// Platform infrastructure recognized by name: DNS, the network and its routing, load balancers and edge proxies,
/// config distribution, certificates and trust, service discovery, identity, the OS image and the container
/// platform. A change there reaches every service that uses it, whether or not the catalog draws the edge, so
/// correlation does not let its relevance decay with dependency hops. `services.<name>.shared` overrides this.
public enum SharedInfrastructure {
    /// Words of a service name that mark it as shared infrastructure.
    static let words: Set<String> = [
        "dns", "resolver", "dnssec", "bind", "coredns", "bgp", "backbone", "network", "networking", "router", "routers",
        "routing", "spine", "wan", "peering", "lb", "glb", "elb", "alb", "nlb", "haproxy", "envoy", "nginx", "edge",
        "proxy", "waf", "cdn", "ingress", "firewall", "vpc", "quicksilver", "consul", "etcd", "zookeeper", "cert",
        "certs", "certificate", "certificates", "pki", "tls", "trust", "ca", "discovery", "iam", "identity", "kubernetes",
        "k8s", "kube", "cluster", "platform", "kernel", "hypervisor", "booter", "cilium", "calico", "istio", "mesh",
    ]

    /// Two-word names (`load balancer`, `service discovery`, …).
    static let phrases = [
        "load balancer", "service discovery", "control plane", "config distribution", "base image", "node image",
        "os image", "trust bundle", "transit gateway", "traffic director",
    ]

    public static func recognizes(_ service: String) -> Bool {
        let normalized = ServiceCatalog.normalize(service)
        if normalized.split(separator: " ").contains(where: { words.contains(String($0)) }) { return true }
        return phrases.contains { (" " + normalized + " ").contains(" \($0) ") }
    }
}
