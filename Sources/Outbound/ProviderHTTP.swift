import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import WebhookIn

/// The one place providers talk HTTP: a shared client, a per-request deadline, bounded response bodies, and
/// transport failures turned into retryable results.
package struct ProviderHTTP: Sendable {
    package struct Answer {
        package var status: HTTPResponseStatus
        package var headers: HTTPHeaders
        package var body: ByteBuffer

        package var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        }
    }

    let client: HTTPClient
    let timeout: Duration

    package init(client: HTTPClient, timeout: Duration) {
        self.client = client
        self.timeout = timeout
    }

    /// Sends a JSON request. Headers carry the credentials; neither they nor the body are ever part of an error.
    package func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], json body: Data?) async
        -> Result<Answer, DeliveryFailure>
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(data: body))
        }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            let body = try await response.body.collect(upTo: 1 << 20)
            return .success(Answer(status: response.status, headers: response.headers, body: body))
        } catch {
            return .failure(DeliveryFailure(result: .transport(error)))
        }
    }
}

/// A delivery that ended before an answer could be judged.
package struct DeliveryFailure: Error {
    package var result: DeliveryResult
}
