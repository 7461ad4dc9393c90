/// Inquest's severity scale. `P0` is the most severe; ordering follows urgency, so `P0 < P1`.
public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
    case p0 = "P0"
    case p1 = "P1"
    case p2 = "P2"
    case p3 = "P3"

    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .p0: 0
        case .p1: 1
        case .p2: 2
        case .p3: 3
        }
    }
}
