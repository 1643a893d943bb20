import ArgumentParser
import Foundation
import ProtectArchive

/// One option's value and where it came from, for `config show`.
struct OptionSource: Sendable, Equatable {
    var option: String
    var value: String
    var origin: String
}

/// A command line completed from the environment and the configuration file: flags > `PROTECT_DL_*` > file.
struct LayeredCommand: Sendable {
    var command: String
    var console: String?
    /// The arguments for the command's parser, the command's name first.
    var arguments: [String]
    var sources: [OptionSource]
    var configPath: String?
}

/// What `main` runs once the configuration is applied.
enum PreparedRun: Sendable {
    /// Help, version and the like: the user's arguments as they are.
    case asTyped([String])
    case one(LayeredCommand)
    /// `sync`/`watch --all-consoles`: one command line per console of the file.
    case allConsoles([LayeredCommand])
    /// `config show [COMMAND] [OPTIONS]`.
    case show(LayeredCommand, file: ConfigFile?)
}

/// Applies `--config`, `--console`, `PROTECT_DL_*` and the configuration file to a command line.
struct ArgumentLayers {
    var catalog: OptionCatalog
    var environment: [String: String]

    /// Options of which one excludes the others: a stronger layer that sets one hides the weaker layers' others.
    static let exclusive: [Set<String>] = [
        ["password", "password-file"], ["verify-ssl", "ca-cert", "pin-sha256"], ["start", "last"], ["end", "last"],
    ]
    /// Values never shown.
    static let secret: Set<String> = ["password", "webhook-secret", "ntfy-token"]
    /// URLs whose credentials, paths and tokens are never shown (see `SecretText.url`).
    static let secretURLs: Set<String> = ["notify", "webhook", "ntfy"]
    /// Environment variables of the project that are not options.
    static let notOptions: Set<String> = ["PROTECT_DL_CONFIG", "PROTECT_DL_CONSOLE"]

    /// This process's command line, with protect-dl's options and its environment.
    static func commandLine() throws -> PreparedRun {
        try ArgumentLayers(
            catalog: OptionCatalog(root: ProtectDL.self), environment: ProcessInfo.processInfo.environment
        ).prepare(Array(CommandLine.arguments.dropFirst()))
    }

    func prepare(_ arguments: [String]) throws -> PreparedRun {
        let stop = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let head = arguments[..<stop]
        let helpWords: Set<String> = [
            "-h", "--help", "--version", "--experimental-dump-help", "--generate-completion-script",
        ]
        if head.contains(where: { helpWords.contains($0) || $0.hasPrefix("--generate-completion-script") })
            || arguments.first == "help"
        {
            return .asTyped(arguments)
        }
        var tokens = Array(arguments)
        var command = "download"
        var showing = false
        if let first = tokens.first, catalog.commands[first] != nil, !first.hasPrefix("-") {
            command = first
            tokens.removeFirst()
            if command == "config" {
                guard tokens.first == "show" else { return .asTyped(arguments) }
                tokens.removeFirst()
                showing = true
                command = "sync"
                if let next = tokens.first, !next.hasPrefix("-"), catalog.commands[next] != nil {
                    command = next
                    tokens.removeFirst()
                }
            } else if command == "notify" {
                guard tokens.first == "test" else { return .asTyped(arguments) }
                tokens.removeFirst()
                command = "notify test"
            } else if ["completions", "demo"].contains(command) {
                return .asTyped(arguments)
            }
        }
        // The selectors, taken out of the command line.
        var configPath: String?
        var consoleName: String?
        var allConsoles = false
        var rest: [String] = []
        var index = 0
        func value(_ name: String) throws -> String {
            let token = tokens[index]
            if let equals = token.firstIndex(of: "=") { return String(token[token.index(after: equals)...]) }
            index += 1
            guard index < tokens.count else { throw ValidationError("Missing value for '--\(name) <\(name)>'.") }
            return tokens[index]
        }
        var terminated = false
        while index < tokens.count {
            let token = tokens[index]
            if terminated || token == "--" {
                terminated = true
                rest.append(token)
            } else if token == "--config" || token.hasPrefix("--config=") {
                configPath = try value("config")
            } else if token == "--console" || token.hasPrefix("--console=") {
                consoleName = try value("console")
            } else if token == "--all-consoles" {
                allConsoles = true
            } else {
                rest.append(token)
            }
            index += 1
        }
        if configPath == nil { configPath = environment["PROTECT_DL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } }
        let explicit = configPath != nil
        if configPath == nil {
            configPath = ConfigFile.defaultPaths(environment: environment).first { ConfigFile.mayExist($0) }
        }
        let commandNames = Set(catalog.commands.keys.filter { !$0.contains(" ") })
        var file: ConfigFile?
        if let configPath {
            file = try ConfigFile.load(path: configPath, commands: commandNames)
            try check(file!)
        } else if explicit {
            throw ValidationError("No configuration file.")
        }
        // `--console legacy|unifi-os|auto` keeps its older meaning, the console generation.
        if let name = consoleName, ConfigFile.reservedNames.contains(name) {
            rest.insert("--generation=\(name)", at: 0)
            consoleName = nil
        }
        if consoleName == nil, !allConsoles, let chosen = environment["PROTECT_DL_CONSOLE"], !chosen.isEmpty {
            consoleName = chosen
        }
        if let name = consoleName {
            guard let file else {
                throw ValidationError(
                    "--console \(name) names a section of the configuration file, and there is none (looked for "
                        + ConfigFile.defaultPaths(environment: environment).joined(separator: " and ")
                        + "; --config FILE names one).")
            }
            guard file.consoles.contains(where: { $0.name == name }) else {
                throw ConfigError(
                    path: file.path, line: nil, key: nil,
                    message: "no console named \(name) (the file has: "
                        + (file.consoles.isEmpty ? "none" : file.consoles.map(\.name).joined(separator: ", ")) + ")")
            }
        } else if !allConsoles, let file, file.consoles.count == 1 {
            consoleName = file.consoles[0].name
        }
        if allConsoles {
            guard ["sync", "watch"].contains(command), !showing else {
                throw ValidationError("--all-consoles is for sync and watch.")
            }
            guard consoleName == nil else { throw ValidationError("Choose --console NAME or --all-consoles.") }
            guard let file, !file.consoles.isEmpty else {
                throw ValidationError("--all-consoles needs a configuration file with at least one console.")
            }
            return .allConsoles(
                try file.consoles.map { try layer(command, rest, file: file, console: $0.name) })
        }
        let layered = try layer(command, rest, file: file, console: consoleName)
        if let file, consoleName == nil, file.consoles.count > 1, catalog.commands[command]?["address"] != nil,
            !layered.sources.contains(where: { $0.option == "address" }), !showing
        {
            throw ValidationError(
                "\(file.path) has several consoles (\(file.consoles.map(\.name).joined(separator: ", "))): choose one "
                    + "with --console NAME"
                    + (["sync", "watch"].contains(command) ? " or serve them all with --all-consoles." : "."))
        }
        return showing ? .show(layered, file: file) : .one(layered)
    }

    /// Every key of the file is an option some command has, and a flag's value is true or false.
    func check(_ file: ConfigFile) throws {
        let known = catalog.allNames.subtracting(OptionCatalog.commandLineOnly)
        for setting in file.allSettings {
            guard known.contains(setting.key) else {
                let hint = catalog.suggestion(for: setting.key).map { " (did you mean \($0)?)" } ?? ""
                throw ConfigError(
                    path: file.path, line: setting.line, key: setting.key, message: "no such option" + hint)
            }
            if let command = setting.command, catalog.commands[command]?[setting.key] == nil {
                throw ConfigError(
                    path: file.path, line: setting.line, key: setting.key, message: "\(command) has no such option")
            }
            let isFlag = catalog.commands.values.contains { $0[setting.key]?.isFlag == true }
            if isFlag, case .scalar(let text) = setting.value, Self.bool(text) == nil {
                throw ConfigError(
                    path: file.path, line: setting.line, key: setting.key,
                    message: "expects true or false, not \"\(text)\"")
            }
            if isFlag, case .list = setting.value {
                throw ConfigError(
                    path: file.path, line: setting.line, key: setting.key, message: "expects true or false, not a list")
            }
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: return nil
        }
    }

    /// `--name=value` (a value may start with a dash, e.g. `-24h`), or `--name ""` for an empty value, which the
    /// `=` form would leave missing.
    static func option(_ name: String, _ value: String) -> [String] {
        value.isEmpty ? ["--\(name)", ""] : ["--\(name)=\(value)"]
    }

    static func environmentName(_ option: String) -> String {
        "PROTECT_DL_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The command line for `command`: the file's settings, then the environment's, then the user's own.
    func layer(_ command: String, _ typed: [String], file: ConfigFile?, console: String?) throws -> LayeredCommand {
        let options = catalog.commands[command] ?? [:]
        var typedNames: Set<String> = []
        var sources: [OptionSource] = []
        var index = 0
        while index < typed.count {
            let token = typed[index]
            if token == "--" { break }
            if let option = catalog.option(token: token, command: command) {
                typedNames.insert(option.name)
                var value = "true"
                if !option.isFlag {
                    if let equals = token.firstIndex(of: "=") {
                        value = String(token[token.index(after: equals)...])
                    } else if index + 1 < typed.count {
                        index += 1
                        value = typed[index]
                    }
                }
                sources.append(OptionSource(option: option.name, value: value, origin: "command line"))
            }
            index += 1
        }
        func hidden(_ name: String, by names: Set<String>) -> Bool {
            names.contains(name) || Self.exclusive.contains { $0.contains(name) && !$0.isDisjoint(with: names) }
        }
        // The environment.
        var environmentArguments: [String] = []
        var environmentNames: Set<String> = []
        for (name, option) in options.sorted(by: { $0.key < $1.key })
        where !OptionCatalog.commandLineOnly.contains(name) {
            let variable = Self.environmentName(name)
            guard let text = environment[variable], !Self.notOptions.contains(variable) else { continue }
            environmentNames.insert(name)
            guard !hidden(name, by: typedNames) else { continue }
            if option.isFlag {
                guard let on = Self.bool(text) else {
                    throw ValidationError("\(variable) expects true or false, not \"\(text)\".")
                }
                if on { environmentArguments.append("--\(name)") }
            } else {
                environmentArguments += Self.option(name, text)
            }
            sources.append(OptionSource(option: name, value: text, origin: variable))
        }
        // The file.
        var fileArguments: [String] = []
        if let file {
            for setting in file.settings(console: console, command: command) {
                guard let option = options[setting.key],
                    !hidden(setting.key, by: typedNames.union(environmentNames))
                else { continue }
                let origin = "\(file.path):\(setting.line)"
                switch setting.value {
                case .scalar(let text) where option.isFlag:
                    if Self.bool(text) == true { fileArguments.append("--\(setting.key)") }
                    sources.append(OptionSource(option: setting.key, value: text, origin: origin))
                case .scalar(let text):
                    fileArguments += Self.option(setting.key, text)
                    sources.append(OptionSource(option: setting.key, value: text, origin: origin))
                case .list(let items):
                    if option.isRepeating {
                        fileArguments += items.map { "--\(setting.key)=\($0)" }
                    } else {
                        fileArguments.append("--\(setting.key)=" + items.joined(separator: ","))
                    }
                    sources.append(
                        OptionSource(option: setting.key, value: items.joined(separator: ","), origin: origin))
                }
            }
        }
        sources = sources.map { source in
            var source = source
            if Self.secret.contains(source.option) { source.value = "********" }
            if Self.secretURLs.contains(source.option) {
                source.value = source.value.split(separator: ",").map { SecretText.url(String($0)) }.joined(
                    separator: ",")
            }
            return source
        }.sorted { $0.option < $1.option }
        return LayeredCommand(
            command: command, console: console,
            arguments: command.split(separator: " ").map(String.init) + fileArguments + environmentArguments + typed,
            sources: sources, configPath: file?.path)
    }
}
