import Foundation
import Synchronization

/// An exclusive claim on a database file for one `inquest serve`, held as `flock` on `<database>.lock`.
///
/// Startup recovery puts a dead process's running jobs and sending messages back in the queue; a second server on
/// the same file would take the live one's work for dead and send it twice. The lock is released when the
/// process exits, however it exits, so a crash never leaves a stale lock behind.
final class DatabaseLock: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case held(path: String, pid: String?)
        case unavailable(path: String, reason: String)

        var description: String {
            switch self {
            case .held(let path, let pid):
                "database \(path) is in use by another inquest server\(pid.map { " (pid \($0))" } ?? ""); "
                    + "stop it, or set database: to another file"
            case .unavailable(let path, let reason): "cannot lock \(path).lock: \(reason)"
            }
        }
    }

    /// The open lock file; nil once released.
    private let descriptor: Mutex<Int32?>

    init(database path: String) throws(Failure) {
        let lockPath = path + ".lock"
        try? FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unavailable(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .held(path: path, pid: holder?.isEmpty == false ? holder : nil)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = Mutex(descriptor)
    }

    /// Gives the database up, at shutdown; the process exiting does the same.
    func release() {
        descriptor.withLock { held in
            if let open = held { close(open) }
            held = nil
        }
    }

    deinit {
        release()
    }
}
