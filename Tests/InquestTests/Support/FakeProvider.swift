import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A stand-in for Slack or incident.io: a real HTTP server on a loopback port that records every request and
/// answers from a script (then with its default answer).
final class FakeProvider: Sendable {
    struct Recorded: Sendable {
        var path: String
        var authorization: String?
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
        nonisolated(unsafe) var data: Data
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var headers: [String: String] = [:]
        var body = #"{"ok": true}"#
    }

    private let recorded = Mutex<[Recorded]>([])
    private let script = Mutex<[Answer]>([])
    private let fallback: @Sendable (String) -> Answer

    /// - Parameter fallback: the answer for a path once the script is used up.
    init(fallback: @escaping @Sendable (String) -> Answer = { _ in Answer() }) {
        self.fallback = fallback
    }

    var requests: [Recorded] { recorded.withLock { $0 } }

    /// Answers the next requests with these, in order.
    func script(_ answers: Answer...) {
        script.withLock { $0 += answers }
    }

    /// Runs the server for the duration of `body`, which gets its base URL.
    func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("**") { request, context -> Response in
            let data = try await request.body.collect(upTo: 1 << 20)
            let path = request.uri.path
            self.recorded.withLock {
                $0.append(Recorded(path: path, authorization: request.headers[.authorization], data: Data(buffer: data)))
            }
            let answer = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? self.fallback(path)
            var headers: HTTPFields = [.contentType: "application/json"]
            for (name, value) in answer.headers { headers[HTTPField.Name(name)!] = value }
            return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        router.get("**") { request, _ -> Response in
            let path = request.uri.path
            self.recorded.withLock { $0.append(Recorded(path: path, authorization: request.headers[.authorization], data: Data())) }
            let answer = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? self.fallback(path)
            return Response(
                status: answer.status, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "fake") { _ in SwiftLogNoOpLogHandler() })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result = try await body("http://127.0.0.1:\(port)")
            group.cancelAll()
            return result
        }
    }
}
