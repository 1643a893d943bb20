import Foundation
import Testing

@testable import ProtectArchive

@Suite("The configuration file and relative times")
struct ConfigFileTests {
    static let commands: Set<String> = ["sync", "watch", "download"]

    @Test("sections layer: defaults, defaults' command, the console, the console's command; values stay text")
    func layering() throws {
        let text = """
            defaults:
              dest: /srv/footage
              keep: 30d
              sync:
                every: 15m
            consoles:
              home:
                address: 10.0.0.1
                verify-ssl: no
                cameras: [Front Door, Garage]
                sync:
                  keep: 7d
              office:
                address: office.lan
            """
        let file = try ConfigFile.parse(text, path: "c.yaml", commands: Self.commands)
        #expect(file.consoles.map(\.name) == ["home", "office"])
        let sync = Dictionary(
            uniqueKeysWithValues: file.settings(console: "home", command: "sync").map { ($0.key, $0) })
        #expect(sync["keep"]?.value == .scalar("7d"))
        #expect(sync["keep"]?.line == 12)
        #expect(sync["every"]?.value == .scalar("15m"))
        #expect(sync["verify-ssl"]?.value == .scalar("no"))
        #expect(sync["cameras"]?.value == .list(["Front Door", "Garage"]))
        let watch = Dictionary(
            uniqueKeysWithValues: file.settings(console: "home", command: "watch").map { ($0.key, $0) })
        #expect(watch["keep"]?.value == .scalar("30d"))
        #expect(watch["every"] == nil)
        #expect(file.settings(console: "office", command: "sync").first { $0.key == "address" }?.line == 14)
    }

    @Test("/dev/null is an empty file: no configuration at all, whatever the default places hold")
    func devNull() throws {
        let file = try ConfigFile.load(path: "/dev/null", commands: Self.commands)
        #expect(file.allSettings.isEmpty && file.consoles.isEmpty)
    }

    @Test(
        "a bad file is one line naming the file, the line and the key",
        arguments: [
            ("consoles:\n  a:\n    address: [x\n", ":4: not valid YAML"),
            ("defaults:\n  --port: 1\n", ":2: --port: write option names without dashes"),
            ("consoles:\n  legacy:\n    port: 1\n", ":2: legacy: auto, legacy and unifi-os"),
            ("defaults:\n  port: 1\n  port: 2\n", ":2: port: given twice"),
            ("servers:\n  a: 1\n", ":1: servers: unknown section"),
            ("defaults:\n  deploy:\n    port: 1\n", ":2: deploy: only a command's name"),
        ])
    func errors(text: String, expected: String) {
        do {
            _ = try ConfigFile.parse(text, path: "/etc/x.yaml", commands: Self.commands)
            Issue.record("accepted: \(text)")
        } catch let error as ConfigError {
            let message = error.errorDescription ?? ""
            #expect(message.hasPrefix("/etc/x.yaml" + expected), "\(message)")
            #expect(!message.contains("\n"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("relative times: now, -24h, 90m ago, today, yesterday 18:00, in the console's zone")
    func relative() throws {
        // 2026-03-29 10:30 in Berlin (UTC+2 since 01:00 UTC that day): midnight was still UTC+1.
        let now = try UserTime.parse("2026-03-29T08:30:00Z", defaultZone: .fixed(seconds: 0)).milliseconds
        let berlin = DisplayZone.named("Europe/Berlin")
        func at(_ text: String) throws -> Int64 { try UserTime.parse(text, defaultZone: berlin, now: now).milliseconds }
        func utc(_ text: String) throws -> Int64 {
            try UserTime.parse(text, defaultZone: .fixed(seconds: 0)).milliseconds
        }
        #expect(try at("now") == now)
        #expect(try at("NOW") == now)
        #expect(try at("-24h") == now - 86_400_000)
        #expect(try at("90m ago") == now - 5_400_000)
        #expect(try at("-1w") == now - 7 * 86_400_000)
        #expect(try at("today") == utc("2026-03-28T23:00:00Z"))
        #expect(try at("yesterday") == utc("2026-03-27T23:00:00Z"))
        #expect(try at("yesterday 18:00") == utc("2026-03-28T17:00:00Z"))
        #expect(try at("today 09:15:30") == utc("2026-03-29T07:15:30Z"))
        for bad in ["-24x", "yesterday 25:00", "today 9:00", "tomorrow", "-0h"] {
            #expect(throws: TimeError.self, "\(bad)") { try at(bad) }
        }
        // The written formats are untouched.
        #expect(try at("2026-03-29 10:30:00") == now)
    }
}
