import Foundation
import Yams

extension InquestConfig {
    /// Reads, substitutes `${VAR}` references in, and validates a config file.
    ///
    /// Relative paths in the file (database, vault_dev_path, template paths) are resolved against `workingDirectory`.
    public static func load(
        path: String,
        environment: [String: String],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> InquestConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(file: path, reason: "no readable file at this path")
        }
        return try parse(yaml: text, file: path, environment: environment, workingDirectory: workingDirectory)
    }

    /// Parses config text; `file` names it in errors.
    public static func parse(
        yaml text: String,
        file: String,
        environment: [String: String],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> InquestConfig {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch {
            throw .invalidYAML(file: file, reason: "\(error)")
        }
        var substitution = EnvironmentSubstitution(environment: environment)
        let node: Node
        do {
            node = try substitution.apply(to: parsed ?? Node.mapping([:]))
        } catch {
            throw .unsetVariable(file: file, name: error.name)
        }
        var config: InquestConfig
        do {
            config = try YAMLDecoder().decode(
                InquestConfig.self, from: node,
                userInfo: [.configFile: file, .wholeValueVariables: substitution.wholeValueVariables])
        } catch let error as ConfigError {
            throw error
        } catch {
            throw .invalid(file: file, path: "(top level)", reason: "expected a mapping of settings")
        }
        config.database = absolute(config.database, in: workingDirectory)
        config.vaultDevPath = absolute(config.vaultDevPath, in: workingDirectory)
        config.integrations.slack.templatePath = absolute(config.integrations.slack.templatePath, in: workingDirectory)
        config.alert.slack.templatePath = absolute(config.alert.slack.templatePath, in: workingDirectory)
        if let path = config.vocabularyPath.map({ absolute($0, in: workingDirectory) }) {
            config.vocabularyPath = path
            config.correlation.vocabulary = try VocabularyFile.load(path: path)
        }
        return config
    }

    private static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }
}
