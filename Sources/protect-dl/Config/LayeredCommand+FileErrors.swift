import ArgumentParser
import Foundation
import ProtectArchive

extension LayeredCommand {
    /// A parse error about a value that came from the configuration file, as that file's error (its path, line and
    /// key, exit 78): the parser alone names only the option, as if the user had typed it.
    func fileError(for error: any Error) -> ConfigError? {
        guard let configPath, !(error is CleanExit) else { return nil }
        let message = ProtectDL.message(for: error)
        guard !message.isEmpty else { return nil }
        for source in sources where source.origin.hasPrefix(configPath + ":") {
            let option = "--" + source.option
            guard message.contains(option + " ") || message.contains(option + "'") || message.hasSuffix(option)
            else { continue }
            let line = Int(source.origin.dropFirst(configPath.count + 1))
            return ConfigError(
                path: configPath, line: line, key: source.option,
                message:
                    "\"\(source.value)\" cannot be used (\(message.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        return nil
    }

    /// Parses the arguments once before running them, so that a bad value from the file is reported as the file's.
    func checkFileValues() throws {
        do {
            _ = try ProtectDL.parseAsRoot(arguments)
        } catch {
            if let fileError = fileError(for: error) { throw fileError }
        }
    }
}
