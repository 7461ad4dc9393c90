import InquestApp
import Logging
import Synchronization

/// Collects every JSON log line an application writes, so tests can assert on what was (and was not) logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }

    func logger(level: Logger.Level = .trace) -> Logger {
        Logger(label: "inquest-test") { [self] label in
            JSONLogHandler(label: label, level: level) { line in self.lines.withLock { $0.append(line) } }
        }
    }
}
