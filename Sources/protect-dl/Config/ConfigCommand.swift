import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl config`: the configuration file and the environment, as a command will see them.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the options a command gets from its flags, PROTECT_DL_* variables and the configuration file.",
        subcommands: [Show.self]
    )

    /// `protect-dl config show [COMMAND] [OPTIONS]`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each option of COMMAND (default: sync), its value and where it comes from; secrets masked.",
            discussion: """
                Precedence: flags on the command line, then PROTECT_DL_<OPTION> variables (PROTECT_DL_PASSWORD_FILE \
                for --password-file), then the console's section of the configuration file (its command section \
                first), then the file's defaults.
                """
        )

        @OptionGroup var selection: ConfigSelectionGroup
        @Argument(
            parsing: .captureForPassthrough,
            help: "A command (sync, watch, download, ...) and any of its options, as you would type them.")
        var arguments: [String] = []

        func run() async throws {
            let prepared: PreparedRun
            do {
                prepared = try ArgumentLayers.commandLine()
            } catch {
                throw fail(error)
            }
            guard case .show(let layered, _) = prepared else {
                // `config show --help`: the help words reach this command as its captured arguments.
                Console.write(ProtectDL.helpMessage(for: Show.self), to: .standardOutput)
                return
            }
            Console.write(Self.render(layered), to: .standardOutput)
            do {
                _ = try ProtectDL.parseAsRoot(layered.arguments)
            } catch {
                let message = ProtectDL.message(for: error).split(separator: "\n").first.map(String.init) ?? ""
                Console.write("\(layered.command) would stop here: \(message)", to: .standardOutput)
                throw ExitCode(ExitStatus.usage.rawValue)
            }
        }

        static func render(_ layered: LayeredCommand) -> String {
            var lines = [
                "# \(layered.command)"
                    + (layered.console.map { ", console \($0)" } ?? "")
                    + ", configuration file: " + (layered.configPath ?? "none")
            ]
            let width = max(12, (layered.sources.map(\.option.count).max() ?? 0) + 2)
            let valueWidth = min(40, max(8, (layered.sources.map(\.value.count).max() ?? 0) + 2))
            for source in layered.sources {
                let name = "--" + source.option
                lines.append(
                    name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                        + source.value.padding(
                            toLength: max(valueWidth, source.value.count + 1), withPad: " ", startingAt: 0)
                        + source.origin)
            }
            if layered.sources.isEmpty { lines.append("(no options set; every option has its default)") }
            return lines.joined(separator: "\n")
        }
    }
}
