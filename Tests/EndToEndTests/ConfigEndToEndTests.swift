import Foundation
import ProtectSimulator
import TestSupport
import Testing

/// A scratch folder holding a configuration file.
func configFile(_ text: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-config-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("config.yaml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
}

/// An HTTP GET with curl: the status code and the body.
func fetch(_ url: String) async throws -> (status: Int, body: String) {
    let result = try await runProcess("/usr/bin/curl", ["-s", "-m", "10", "-w", "\n%{http_code}", url], timeout: 20)
    var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let status = Int(lines.popLast() ?? "") ?? 0
    return (status, lines.joined(separator: "\n"))
}

@Suite("Configuration file, PROTECT_DL_* and --console, against the built binary")
struct ConfigEndToEndTests {
    @Test("precedence is flags > PROTECT_DL_* > the console's section > defaults, and config show says so")
    func precedence() async throws {
        let file = try configFile(
            """
            defaults:
              dest: /srv/all
              retries: 5
              sync:
                every: 15m
            consoles:
              home:
                address: 10.0.0.1
                port: 7443
                username: backup
                password: hunter2
                pin-sha256: "\(String(repeating: "AB:", count: 31))AB"
              office:
                address: office.lan
                username: ops
            """)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let show = try await runProcess(
            try Binary.path("protect-dl"),
            ["config", "show", "sync", "--config", file.path, "--console", "home", "--retries", "1"],
            environment: ["PROTECT_DL_PORT": "8443", "PROTECT_DL_VERIFY_SSL": "true", "PROTECT_DL_PASSWORD": nil])
        #expect(show.status == 0, "\(show.stdout)\(show.stderr)")
        let rows = Dictionary(
            show.stdout.split(separator: "\n").dropFirst().map { line in
                let fields = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                return (fields[0], (value: fields.dropFirst().dropLast().joined(separator: " "), origin: fields.last!))
            }, uniquingKeysWith: { first, _ in first })
        #expect(rows["--retries"]?.value == "1" && rows["--retries"]?.origin == "command line", "\(show.stdout)")
        #expect(rows["--port"]?.value == "8443" && rows["--port"]?.origin == "PROTECT_DL_PORT")
        #expect(rows["--address"]?.origin == "\(file.path):8")
        #expect(rows["--every"]?.origin == "\(file.path):5")
        #expect(rows["--dest"]?.value == "/srv/all")
        // The secret is masked; --verify-ssl from the environment hides the file's pin (one certificate rule).
        #expect(rows["--password"]?.value == "********")
        #expect(!show.stdout.contains("hunter2"))
        #expect(rows["--verify-ssl"]?.origin == "PROTECT_DL_VERIFY_SSL" && rows["--pin-sha256"] == nil)

        // Two consoles and none chosen: one line says how to choose.
        let ambiguous = try await runProcess(
            try Binary.path("protect-dl"), ["sync", "--config", file.path], environment: ["PROTECT_DL_PASSWORD": nil])
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("home, office") && ambiguous.stderr.contains("--all-consoles"))
        // A console the file lacks, and a misspelt key: exit 78, the file, the line, the key.
        let missing = try await runProcess(
            try Binary.path("protect-dl"), ["sync", "--config", file.path, "--console", "garage"])
        #expect(missing.status == 78 && missing.stderr.contains("no console named garage"), "\(missing.stderr)")
        // The older meaning of --console stays: a console generation.
        let legacy = try await runProcess(
            try Binary.path("protect-dl"),
            ["config", "show", "download", "--config", file.path, "--console", "legacy"])
        #expect(legacy.stdout.contains("--generation") && legacy.stdout.contains("legacy"), "\(legacy.stdout)")
        try "consoles:\n  home:\n    adress: 10.0.0.1\n".write(to: file, atomically: true, encoding: .utf8)
        let typo = try await runProcess(try Binary.path("protect-dl"), ["sync", "--config", file.path])
        #expect(typo.status == 78)
        #expect(
            typo.stderr == "protect-dl: \(file.path):3: adress: no such option (did you mean address?)\n",
            "\(typo.stderr)")
    }

    @Test("the example configuration in contrib/ is accepted for both its consoles")
    func example() async throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let example = root.appendingPathComponent("contrib/config.example.yaml").path
        for (command, console) in [("sync", "home"), ("watch", "office")] {
            let show = try await runProcess(
                try Binary.path("protect-dl"), ["config", "show", command, "--config", example, "--console", console])
            #expect(show.status == 0, "\(show.stdout)\(show.stderr)")
        }
    }

    @Test("A section downloads as its flags would; relative times (--last) reach the console's hours")
    func sectionDownloads() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let file = try configFile(
                """
                consoles:
                  site:
                    address: \(s.endpoint.host)
                    port: \(s.endpoint.port)
                    username: admin
                    dest: \(s.destination.path)
                    cameras: all
                """)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let result = try await Binary.run(
                ["download", "--config", file.path, "--last", "3h", "--quiet"] + s.nowArguments)
            #expect(result.status == 0, "\(result.stderr)")
            let files = try FileManager.default.subpathsOfDirectory(atPath: s.destination.path)
                .filter { $0.hasSuffix(".mp4") }
            // Three hours back from the frozen moment: three or four hourly files (the first and last cut).
            #expect((3...4).contains(files.count), "\(files)")
        }
    }

    @Test("sync --all-consoles --every serves /metrics and /healthz; a dead console never stalls the live one")
    func allConsolesWithMetrics() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let dead = try freePort()
            let other = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-dead-\(UUID())")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: other) }
            let file = try configFile(
                """
                defaults:
                  username: admin
                  retry-delay: 0.05
                consoles:
                  live:
                    address: \(s.endpoint.host)
                    port: \(s.endpoint.port)
                    dest: \(s.destination.path)
                  dead:
                    address: 127.0.0.1
                    port: \(dead)
                    dest: \(other.path)
                """)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let port = try freePort()
            let daemon = try Daemon(
                try Binary.path("protect-dl"),
                [
                    "sync", "--all-consoles", "--config", file.path, "--every", "1s", "--metrics-address",
                    "127.0.0.1:\(port)",
                ] + s.nowArguments,
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("two passes of the live console", timeout: .seconds(60)) {
                daemon.stdout.split(separator: "\n").filter { $0.hasPrefix("[live]") && $0.contains(" sync: ") }.count
                    >= 2
            }
            let metrics = try await fetch("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.status == 200)
            let saved = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("protect_dl_files_total{") && $0.contains("console=\"live\"")
                    && $0.contains("outcome=\"saved\"") && $0.contains("kind=\"segment\"")
            }
            let savedCount = saved.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            #expect(metrics.body.contains("protect_dl_passes_total{console=\"dead\",result=\"failed\"}"))
            #expect(metrics.body.contains("protect_dl_last_success_timestamp_seconds{console=\"live\"}"))
            #expect(metrics.body.contains("protect_dl_healthy 0"))
            let health = try await fetch("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 503 && health.body.contains("dead: last pass failed"), "\(health.body)")
            #expect(!health.body.contains("live:"), "\(health.body)")
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "\(daemon.stderr)")
            #expect(daemon.stderr.contains("[dead]") && daemon.stderr.contains("Connection refused"))
            // Beside other consoles, the certificate note names its console too.
            #expect(daemon.stderr.contains("protect-dl: [live] note: the console's certificate is not checked"))
            let files = try FileManager.default.subpathsOfDirectory(atPath: s.destination.path)
                .filter { $0.hasSuffix(".mp4") }
            #expect(files.count >= 2 && Double(files.count) == savedCount, "\(files) \(metrics.body)")
        }
    }

    @Test("/healthz answers 200 while a single console's passes succeed")
    func healthy() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let port = try freePort()
            let daemon = try Daemon(
                try Binary.path("protect-dl"),
                s.sync(["--every", "1s", "--metrics-address", "127.0.0.1:\(port)"]),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("a pass", timeout: .seconds(60)) { daemon.stdout.contains("sync: ") }
            let health = try await fetch("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 200 && health.body == "ok\n", "\(health.body)")
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "\(daemon.stderr)")
        }
    }
}

@Suite("Shell completions and the version")
struct CompletionTests {
    @Test(
        "completions SHELL prints a script the shell accepts, naming the commands and their options",
        arguments: [("bash", "/bin/bash"), ("zsh", "/usr/bin/zsh"), ("fish", "/usr/bin/fish")])
    func completions(shell: String, interpreter: String) async throws {
        let result = try await runProcess(try Binary.path("protect-dl"), ["completions", shell])
        #expect(result.status == 0, "\(result.stderr)")
        for word in ["sync", "watch", "status", "--metrics-address", "--all-consoles", "--last"] {
            // fish lists options without their dashes.
            let needle = shell == "fish" && word.hasPrefix("--") ? "'\(word.dropFirst(2))" : word
            #expect(result.stdout.contains(needle), "\(shell): \(word)")
        }
        // The shell itself parses the script when it is installed here (bash always is).
        if FileManager.default.isExecutableFile(atPath: interpreter) {
            let script = FileManager.default.temporaryDirectory.appendingPathComponent("completion-\(UUID())")
            try result.stdout.write(to: script, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: script) }
            let check = try await runProcess(
                interpreter, shell == "fish" ? ["--no-execute", script.path] : ["-n", script.path])
            #expect(check.status == 0, "\(check.stderr)")
        }
    }

    @Test("an unknown shell is a usage error; --version prints the version")
    func unknownShellAndVersion() async throws {
        let tcsh = try await runProcess(try Binary.path("protect-dl"), ["completions", "tcsh"])
        #expect(tcsh.status == 64 && tcsh.stderr.contains("bash, zsh or fish"))
        let version = try await runProcess(try Binary.path("protect-dl"), ["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("protect-dl "))
    }
}
