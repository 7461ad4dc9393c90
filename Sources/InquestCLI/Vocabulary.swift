import ArgumentParser
import InquestApp
import Investigation

struct Vocabulary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the built-in correlation vocabulary as YAML, to edit and point correlation.vocabulary_path at.",
        discussion: """
            Symptoms that point at a kind of change, phrases that point outside the change log, words that mark a \
            change as a response, a recurring job or an autoscaler's reaction, and shared-infrastructure names. \
            Each key of the file replaces that built-in list; a key left out keeps it.
            """)

    func run() {
        print(CorrelationVocabulary.builtIn.yaml, terminator: "")
    }
}
