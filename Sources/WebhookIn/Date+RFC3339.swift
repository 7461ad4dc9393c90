import Foundation

extension Date {
    /// Parses RFC 3339 timestamps as incident.io, PagerDuty and Alertmanager write them, with or without
    /// fractional seconds (incident.io sends microseconds: `2026-11-20T14:36:00.000000Z`).
    public init?(rfc3339 string: String) {
        if let date = try? Date(string, strategy: Self.withFraction) {
            self = date
        } else if let date = try? Date(string, strategy: Self.withoutFraction) {
            self = date
        } else {
            return nil
        }
    }

    /// `2026-11-20T14:36:00.000Z`: the form Inquest writes.
    public var rfc3339: String { formatted(Self.withFraction) }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()
}

extension Date {
    /// Seconds since 1970: how every module stores time in SQLite. Numbers compare and index cheaply, and
    /// GRDB reads them back as `Date`; its default text format costs a DateFormatter call per value.
    public var unixTime: Double { timeIntervalSince1970 }
}
