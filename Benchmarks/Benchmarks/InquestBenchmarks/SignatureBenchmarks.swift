import Benchmark
import Foundation
import WebhookIn

/// Verifying one 4 KiB delivery: the fixed cost every inbound request pays before anything else.
func signatureBenchmarks() {
    let secret = Secret("whsec_" + Data(repeating: 42, count: 32).base64EncodedString())
    let body = Data((0..<4096).map { _ in UInt8.random(in: 32...126) })
    let timestamp: Int64 = 1_795_185_600
    let now = Date(timeIntervalSince1970: TimeInterval(timestamp))
    let signature = try! SignatureVerifier.sign(id: "msg_bench", timestamp: timestamp, body: body, secret: secret)
    let verifier = try! SignatureVerifier(secrets: [secret], now: { now })

    Benchmark("SignatureVerifier.verify 4 KiB") { benchmark in
        for _ in benchmark.scaledIterations {
            try verifier.verify(id: "msg_bench", timestamp: String(timestamp), signatures: signature, body: body)
        }
    }
}
