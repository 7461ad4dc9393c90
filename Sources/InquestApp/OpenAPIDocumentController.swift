import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of Inquest's own HTTP API (`Sources/InquestApp/openapi.json`),
/// which `OpenAPIDocumentTests` keeps true to the routes and schemathesis checks against a live server.
struct OpenAPIDocumentController: Sendable {
    let document: ByteBuffer

    init() throws {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "openapi.json is missing from the bundle"])
        }
        document = ByteBuffer(data: try Data(contentsOf: url))
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/openapi.json") { [document] _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }
}
