import ArgumentParser
import Foundation

/// Every command's long options, read from the command definitions themselves (swift-argument-parser's help dump),
/// so the configuration file and `PROTECT_DL_*` cover exactly the options the command line has.
struct OptionCatalog: Sendable {
    /// One option of one command.
    struct Option: Sendable, Equatable {
        var name: String
        var isFlag: Bool
        var isRepeating: Bool
        var short: Character?
    }

    /// Command name → long option name → option.
    var commands: [String: [String: Option]]

    /// Options that never come from a file or the environment: help, and what picks the file and the section.
    static let commandLineOnly: Set<String> = [
        "help", "version", "config", "console", "all-consoles", "now", "experimental-dump-help",
    ]

    init(root: any ParsableCommand.Type) {
        struct Dump: Decodable {
            struct Name: Decodable {
                var kind: String
                var name: String
            }
            struct Argument: Decodable {
                var kind: String
                var names: [Name]?
                var isRepeating: Bool?
            }
            struct Command: Decodable {
                var commandName: String
                var arguments: [Argument]?
                var subcommands: [Command]?
            }
            var command: Command
        }
        var commands: [String: [String: Option]] = [:]
        if let dump = try? JSONDecoder().decode(Dump.self, from: Data(root._dumpHelp().utf8)) {
            func visit(_ command: Dump.Command, prefix: String) {
                var options: [String: Option] = [:]
                for argument in command.arguments ?? [] where argument.kind != "positional" {
                    let names = argument.names ?? []
                    guard let long = names.first(where: { $0.kind == "long" })?.name else { continue }
                    let short = names.first { $0.kind == "short" }?.name.first
                    options[long] = Option(
                        name: long, isFlag: argument.kind == "flag", isRepeating: argument.isRepeating ?? false,
                        short: short)
                }
                let name = prefix.isEmpty ? command.commandName : prefix + " " + command.commandName
                commands[name] = options
                for sub in command.subcommands ?? [] {
                    visit(sub, prefix: prefix.isEmpty && command.commandName == "protect-dl" ? "" : name)
                }
            }
            for sub in dump.command.subcommands ?? [] { visit(sub, prefix: "") }
        }
        self.commands = commands
    }

    /// Every long option some command has.
    var allNames: Set<String> { Set(commands.values.flatMap(\.keys)) }

    /// The option a command-line token names (`--port`, `--port=1`, `-v`), if any.
    func option(token: String, command: String) -> Option? {
        let options = commands[command] ?? [:]
        if token.hasPrefix("--") {
            let name = String(token.dropFirst(2).prefix { $0 != "=" })
            return options[name]
        }
        if token.hasPrefix("-"), token.count == 2, let letter = token.last {
            return options.values.first { $0.short == letter }
        }
        return nil
    }

    /// The nearest option name to a misspelt one, for a hint.
    func suggestion(for key: String) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a)
            let b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        let best = allNames.subtracting(Self.commandLineOnly).map { ($0, distance($0, key)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }
}
