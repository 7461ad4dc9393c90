import Foundation
import Logging

/// Writes one JSON object per log line: `{"ts", "level", "label", "message", …metadata}`.
///
/// Structured lines are what log pipelines index; metadata values are stringified, and Hummingbird's request id
/// (`hb.request.id`) appears as `request_id`. Every value is cut to ``maximumValueLength`` characters: many carry
/// what a client sent (a `webhook-id`, a reason quoting a header), and a hostile client must not be able to write
/// kilobytes of log per request.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let write: @Sendable (String) -> Void

    /// - Parameter write: receives each finished line, without the newline.
    public init(label: String, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    /// A handler that writes to standard output.
    public static func standardOutput(label: String, level: Logger.Level) -> JSONLogHandler {
        JSONLogHandler(label: label, level: level) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        let provided = metadataProvider?.get() ?? [:]
        for (key, value) in metadata.merging(provided, uniquingKeysWith: { $1 })
            .merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        {
            fields[key == "hb.request.id" ? "request_id" : key] = Self.bounded("\(value)")
        }
        fields["ts"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = Self.bounded("\(event.message)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    public static let maximumValueLength = 512

    /// The value, or its first characters and how long it was.
    static func bounded(_ value: String) -> String {
        guard value.utf8.count > maximumValueLength else { return value }
        return "\(value.prefix(maximumValueLength))… (\(value.utf8.count) bytes, truncated)"
    }
}
