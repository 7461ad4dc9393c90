import ArgumentParser
import InquestApp

@main
struct Inquest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inquest",
        abstract: "Investigates incidents the moment they are declared.",
        version: "0.1.0",
        subcommands: [
            Serve.self, Migrate.self, Sign.self, Changes.self, Investigate.self, Evaluate.self, Vocabulary.self,
            OutboxCommand.self, Link.self, Shift.self,
        ],
        defaultSubcommand: Serve.self)
}
