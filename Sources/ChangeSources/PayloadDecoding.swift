import Foundation

/// Decodes a source's payload, naming the first thing wrong with it in terms its sender's documentation uses.
func decode<T: Decodable>(_ type: T.Type, from body: Data, source: String) throws(ChangeSourceRejection) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: body)
    } catch DecodingError.keyNotFound(let key, let context) {
        throw .malformed("\(source) payload has no \(path(context.codingPath + [key]))")
    } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
        throw .malformed("\(source) payload: \(path(context.codingPath)) has the wrong type")
    } catch {
        throw .malformed("\(source) payload is not valid JSON")
    }
}

private func path(_ keys: [any CodingKey]) -> String {
    keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
}
