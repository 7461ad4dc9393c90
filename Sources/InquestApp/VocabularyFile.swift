import Foundation
import Investigation
import Yams

/// `correlation.vocabulary_path`: a YAML file whose keys replace the built-in vocabulary's lists one by one
/// (a key left out keeps the built-in list). `inquest vocabulary` prints the built-in one to start from.
struct VocabularyFile: Decodable {
    var vocabulary = CorrelationVocabulary.builtIn

    init(from decoder: any Decoder) throws {
        let section = try ConfigSection(
            decoder,
            keys: [
                "symptoms", "external_causes", "response_words", "recurring_words", "reactive_words",
                "shared_infrastructure",
            ])
        let builtIn = CorrelationVocabulary.builtIn
        vocabulary.symptoms = try section("symptoms", default: builtIn.symptoms)
        vocabulary.externalCauses = try section("external_causes", default: builtIn.externalCauses).map { $0.lowercased() }
        vocabulary.responseWords = try section("response_words", default: builtIn.responseWords).map { $0.lowercased() }
        vocabulary.recurringWords = try section("recurring_words", default: builtIn.recurringWords).map { $0.lowercased() }
        vocabulary.reactiveWords = try section("reactive_words", default: builtIn.reactiveWords).map { $0.lowercased() }
        vocabulary.sharedInfrastructure = try section("shared_infrastructure", default: builtIn.sharedInfrastructure)
            .map { $0.lowercased() }
    }

    static func load(path: String) throws(ConfigError) -> CorrelationVocabulary {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .unreadable(file: path, reason: "no readable vocabulary file at correlation.vocabulary_path")
        }
        let node: Node
        do {
            node = try Yams.compose(yaml: text) ?? Node.mapping([:])
        } catch {
            throw .invalidYAML(file: path, reason: "\(error)")
        }
        do {
            return try YAMLDecoder().decode(VocabularyFile.self, from: node, userInfo: [.configFile: path]).vocabulary
        } catch let error as ConfigError {
            throw error
        } catch {
            throw .invalid(file: path, path: "(top level)", reason: "expected a mapping of vocabulary lists")
        }
    }
}

extension CorrelationVocabulary {
    /// The vocabulary as a `correlation.vocabulary_path` file.
    public var yaml: String {
        (try? YAMLEncoder().encode(self)) ?? ""
    }
}
