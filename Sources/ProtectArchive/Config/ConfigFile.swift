import Foundation
import Yams

/// A protect-dl configuration file: settings for every console (`defaults`) and a section per console (`consoles`),
/// each optionally narrowed to one command; keys are the command line's option names, values stay text.
public struct ConfigFile: Sendable {
    /// One `key: value` of the file, where it was written.
    public struct Setting: Sendable, Equatable {
        /// The option's name as on the command line, without dashes (`password-file`).
        public var key: String
        /// The text of a scalar, or the items of a list.
        public var value: Value
        /// The line the key is on (1-based).
        public var line: Int
        /// The console section it came from (nil: `defaults`).
        public var console: String?
        /// The command it is narrowed to (nil: every command).
        public var command: String?
    }

    /// A setting's value, as written: YAML's types are not applied, so `no` stays the text `no` and an option's own
    /// validation reads it exactly as it would read the command line.
    public enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
    }

    /// A `consoles:` entry.
    public struct Console: Sendable, Equatable {
        public var name: String
        public var line: Int
        public var settings: [Setting]
    }

    /// The file it was read from.
    public var path: String
    /// Settings for every console.
    public var defaults: [Setting] = []
    /// The consoles, in the file's order.
    public var consoles: [Console] = []

    /// Names a console section may not take: they are `--console`'s older meaning, the console generation.
    public static let reservedNames: Set<String> = ["auto", "legacy", "unifi-os"]

    /// Reads and parses `path`; `commands` are the names that may narrow settings to one command.
    /// `/dev/null` is an empty file: `PROTECT_DL_CONFIG=/dev/null` runs with no configuration file at all, whatever
    /// the default places hold.
    public static func load(path: String, commands: Set<String>) throws -> ConfigFile {
        if path == "/dev/null" { return try parse("", path: path, commands: commands) }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason =
                mayExist(path)
                ? "cannot be read by this user (uid \(getuid())): give it read access to the file and its folders "
                    + "(e.g. chgrp protect-dl and chmod g+r the file, chmod g+x its folder)"
                : "does not exist"
            throw ConfigError(path: path, line: nil, key: nil, message: "the configuration file \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(path: path, line: nil, key: nil, message: "the configuration file is not UTF-8 text")
        }
        return try parse(text, path: path, commands: commands)
    }

    /// Whether something may be at `path`: it is there, or a folder on the way cannot be searched (a file behind a
    /// folder of mode 0700 owned by another user is not "missing").
    public static func mayExist(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 || errno == EACCES
    }

    /// Parses the text of a configuration file.
    public static func parse(_ text: String, path: String, commands: Set<String>) throws -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(yaml: error, path: path)
        }
        var file = ConfigFile(path: path)
        guard let root else { return file }
        guard case .mapping(let top) = root else {
            throw ConfigError(
                path: path, line: root.mark?.line, key: nil, message: "expected `defaults:` and `consoles:`")
        }
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line
            switch key {
            case "defaults":
                file.defaults = try settings(value, console: nil, command: nil, path: path, commands: commands)
            case "consoles":
                guard case .mapping(let sections) = value else {
                    throw ConfigError(
                        path: path, line: line, key: key, message: "expected one section per console, by name")
                }
                for (nameNode, section) in sections {
                    let name = nameNode.string ?? ""
                    let nameLine = nameNode.mark?.line ?? 0
                    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                        throw ConfigError(
                            path: path, line: nameLine, key: name,
                            message: "a console's name is letters, digits, '-', '_' or '.'")
                    }
                    guard !reservedNames.contains(name) else {
                        throw ConfigError(
                            path: path, line: nameLine, key: name,
                            message: "auto, legacy and unifi-os are console generations (--generation), not names")
                    }
                    guard !file.consoles.contains(where: { $0.name == name }) else {
                        throw ConfigError(
                            path: path, line: nameLine, key: name, message: "this console is defined twice")
                    }
                    file.consoles.append(
                        Console(
                            name: name, line: nameLine,
                            settings: try settings(
                                section, console: name, command: nil, path: path, commands: commands)))
                }
            default:
                throw ConfigError(
                    path: path, line: line, key: key,
                    message: "unknown section (the file has `defaults:` and `consoles:`)")
            }
        }
        return file
    }

    private static func settings(
        _ node: Node, console: String?, command: String?, path: String, commands: Set<String>
    ) throws -> [Setting] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" { return [] }
        guard case .mapping(let mapping) = node else {
            throw ConfigError(
                path: path, line: node.mark?.line, key: console ?? command,
                message: "expected `option: value` lines")
        }
        var result: [Setting] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line ?? 0
            if key.hasPrefix("-") {
                throw ConfigError(
                    path: path, line: line, key: key,
                    message: "write option names without dashes: \(key.drop { $0 == "-" })")
            }
            guard seen.insert(key).inserted else {
                throw ConfigError(path: path, line: line, key: key, message: "given twice in this section")
            }
            switch value {
            case .mapping:
                guard command == nil, commands.contains(key) else {
                    throw ConfigError(
                        path: path, line: line, key: key,
                        message: command == nil
                            ? "only a command's name (\(commands.sorted().joined(separator: ", "))) holds options"
                            : "a command's section holds options, not another section")
                }
                result += try settings(value, console: console, command: key, path: path, commands: commands)
            case .sequence(let items):
                var texts: [String] = []
                for item in items {
                    guard case .scalar(let scalar) = item else {
                        throw ConfigError(path: path, line: line, key: key, message: "a list holds plain values only")
                    }
                    texts.append(scalar.string)
                }
                result.append(Setting(key: key, value: .list(texts), line: line, console: console, command: command))
            case .scalar(let scalar):
                result.append(
                    Setting(key: key, value: .scalar(scalar.string), line: line, console: console, command: command))
            case .alias:
                throw ConfigError(path: path, line: line, key: key, message: "YAML aliases are not supported")
            }
        }
        return result
    }

    /// The settings that apply to `command` for `console` (nil: the defaults only), strongest last:
    /// defaults, defaults' command section, the console, the console's command section.
    public func settings(console: String?, command: String) -> [Setting] {
        let section = consoles.first { $0.name == console }?.settings ?? []
        let layers = [
            defaults.filter { $0.command == nil }, defaults.filter { $0.command == command },
            section.filter { $0.command == nil }, section.filter { $0.command == command },
        ]
        var chosen: [String: Setting] = [:]
        for layer in layers { for setting in layer { chosen[setting.key] = setting } }
        return chosen.values.sorted { $0.line < $1.line }
    }

    /// Every setting of the file, for checking keys.
    public var allSettings: [Setting] { defaults + consoles.flatMap(\.settings) }

    /// Where the file is looked for when `--config` and `PROTECT_DL_CONFIG` name none: the user's
    /// (`$XDG_CONFIG_HOME/protect-dl/config.yaml`, `~/.config/...`), then the system's (`/etc/protect-dl/config.yaml`).
    public static func defaultPaths(environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            paths.append(xdg + "/protect-dl/config.yaml")
        } else if let home = environment["HOME"], !home.isEmpty {
            paths.append(home + "/.config/protect-dl/config.yaml")
        }
        paths.append("/etc/protect-dl/config.yaml")
        return paths
    }
}

/// A configuration file that cannot be used: which file, which line, which key, and why, in one line.
public struct ConfigError: Error, LocalizedError, Equatable {
    public var path: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(path: String, line: Int?, key: String?, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    init(yaml error: YamlError, path: String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            self.init(path: path, line: mark.line, key: nil, message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            self.init(
                path: path, line: context.mark.line, key: duplicates.first, message: "given twice in this section")
        default:
            self.init(path: path, line: nil, key: nil, message: "not valid YAML: \(error)")
        }
    }

    public var errorDescription: String? {
        let place = path + (line.map { ":\($0)" } ?? "")
        return "\(place): " + (key.map { "\($0): " } ?? "") + message
    }
}
