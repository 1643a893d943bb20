import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// Runs a shell command line (for pipes and mounts); returns its status and output. The wait and the reads are off
/// the concurrency pool: a command that runs protect-dl against this process's simulator must not hold one of the
/// pool's threads while the simulator needs it.
func shell(_ command: String) async throws -> (status: Int32, output: String) {
    let out = Pipe()
    let process = try spawn(
        "/bin/bash", ["-c", command], environment: ["PROTECT_DL_PASSWORD": "protect"], stdout: out, stderr: out)
    async let data = drain(out)
    try await waitForExit(process, timeout: 120)
    return (process.terminationStatus, String(decoding: await data, as: UTF8.self))
}

/// Single-quotes a value for bash.
func quoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Makes the folder `path` and mounts a file system on it (`mount <arguments> <path>`); mounting needs root, and
/// the test fails, saying so, without it.
func mountFolder(_ path: String, _ arguments: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let mounted = try await shell("mount \(arguments) \(quoted(path))")
    try #require(
        mounted.status == 0, "this test mounts \(arguments) (needs root): \(mounted.output)",
        sourceLocation: sourceLocation)
}

/// Undoes `mountFolder`.
func unmount(_ path: String) {
    // A moment's work that touches no simulator: waited for here, in a `defer`.
    (try? spawn("/bin/umount", [path]))?.waitUntilExit()
}

/// The `.part` files and the empty `.mp4` files under the destination.
func leftovers(_ s: Scenario) -> (parts: [String], empty: [String]) {
    let files = s.filesOnDisk()
    let parts = files.filter { $0.hasSuffix(".part") }.sorted()
    let empty = files.filter { $0.hasSuffix(".mp4") }.filter { file in
        let path = s.destination.appendingPathComponent(file).path
        return ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue == 0
    }.sorted()
    return (parts, empty)
}

@Suite("Hardening: names never lie, local faults are named, options are checked", .serialized)
struct HardeningEndToEndTests {
    @Test("Names that would collide are refused with exit 64 before any request, in download, sync and snapshot")
    func collisions() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let download = try await Binary.run(s.arguments(["--output-template", "{start_date}"]))
            #expect(download.status == 64, "\(download.stderr)")
            #expect(download.stderr.contains("would both be saved as"), "\(download.stderr)")
            let sync = try await Binary.run([
                "sync", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", s.destination.path, "--output-template", "{camera_part}/{start_date}",
            ])
            #expect(sync.status == 64, "\(sync.stderr)")
            #expect(sync.stderr.contains("would both be saved as"))
            let snapshot = try await Binary.run([
                "snapshot", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", s.destination.path, "--output-template", "{start_date}",
            ])
            #expect(snapshot.status == 64, "\(snapshot.stderr)")
            let stats = await s.simulator.state.currentStats()
            #expect(stats.exports == 0)
            #expect(s.filesOnDisk().filter { !$0.hasPrefix(".protect-dl") }.isEmpty)
            // Event clips are told apart by their event ids when a template alone would not.
            let events = try await Binary.run([
                "events", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", s.destination.path, "--start", s.startText, "--end", s.endText, "--output-template",
                "clips/{camera_part}", "--json",
            ])
            #expect(events.status == 0, "\(events.stderr)")
            let clips = jsonLines(events.stdout).filter { $0["event"] as? String == "finished" }
            #expect(clips.count == s.filesOnDisk().filter { $0.hasPrefix("clips/") }.count, "no clip overwrote another")
            // A template that tells the items apart is accepted.
            let fine = try await Binary.run(
                s.arguments(["--output-template", "{camera_id}/{start_date}/{start_hour}"]))
            #expect(fine.status == 0, "\(fine.stderr)")
            #expect(s.filesOnDisk().filter { $0.hasSuffix(".mp4") && !$0.hasPrefix("clips/") }.count == 6)
        }
    }

    @Test("A range reaching past now is cut at the last finished moment, and each file holds what its name says")
    func partialHour() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let start = (now - 90 * 60_000) / 60_000 * 60_000
            let end = now + 30 * 60_000
            var arguments = s.arguments(["--settle", "30", "--json"])
            arguments = try arguments.replacing(
                { $0.hasPrefix("--start=") }, with: "--start=\(TimeFormatting.iso(start))")
            arguments = try arguments.replacing({ $0 == s.endText }, with: TimeFormatting.iso(end))
            let result = try await Binary.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("cut there and named by what it holds"))
            let finished = jsonLines(result.stdout).filter { $0["event"] as? String == "finished" }
            #expect(finished.count == 3 * 2 || finished.count == 3 * 3, "\(result.stdout)")
            for object in finished {
                let path = try #require(object["path"] as? String)
                let startText = try #require(object["start"] as? String)
                let endText = try #require(object["end"] as? String)
                let from = try UserTime.parse(startText, defaultZone: .fixed(seconds: 0)).milliseconds
                let to = try UserTime.parse(endText, defaultZone: .fixed(seconds: 0)).milliseconds
                #expect(to <= now, "nothing after now is claimed: \(path)")
                let duration = try #require(
                    try MP4Check.duration(path: s.destination.appendingPathComponent(path).path))
                #expect(abs(duration - Double(to + 1 - from) / 1000) < 2, "\(path) holds \(duration) s")
                let probe = try await Probe.of(s.destination.appendingPathComponent(path).path)
                #expect(abs((probe.duration ?? 0) - duration) < 2, "ffprobe agrees on \(path)")
            }
        }
    }

    @Test("Ctrl-C with --touch-files leaves no placeholder; a kill -9's placeholders are reported, never footage")
    func placeholders() async throws {
        try await Scenario.with(Scenario.throttled(bytesPerSecond: 1_000_000)) { s in
            let touch = s.arguments(["--touch-files", "--use-subfolders", "--parallel", "3"])
            let (interrupted, _) = try launch(touch)
            try await eventually("two placeholders") { leftovers(s).empty.count >= 2 }
            kill(interrupted.processIdentifier, SIGINT)
            try await waitForExit(interrupted)
            #expect(interrupted.terminationStatus == 130)
            #expect(leftovers(s).empty.isEmpty, "a clean stop removes its placeholders: \(leftovers(s).empty)")
            #expect(leftovers(s).parts.isEmpty)

            let (killed, _) = try launch(touch)
            try await eventually("two .part files") { leftovers(s).parts.count >= 2 }
            kill(killed.processIdentifier, SIGKILL)
            try await waitForExit(killed)
            let left = leftovers(s)
            #expect(left.empty.count >= 2, "kill -9 leaves placeholders")
            #expect(left.parts.count >= 2)

            let rerun = try await Binary.run(
                s.arguments(["--touch-files", "--use-subfolders", "--skip-existing-files", "--json"]))
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let objects = jsonLines(rerun.stdout)
            let reported = objects.filter { $0["event"] as? String == "placeholder" }.compactMap {
                $0["path"] as? String
            }
            #expect(Set(reported) == Set(left.empty), "each placeholder is reported as such")
            let summary = try #require(objects.last)
            #expect(summary["placeholders"] as? Int == left.empty.count)
            let downloaded = objects.filter { $0["event"] as? String == "finished" }.count
            #expect(summary["downloaded"] as? Int == downloaded)
            #expect(downloaded + (summary["skipped"] as? Int ?? 0) == 6)
            #expect(leftovers(s).parts.isEmpty, "the .part files of the killed run are cleaned up")

            // sync, verify and manifest never take a placeholder for footage.
            let sync = try await Binary.run([
                "sync", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", s.destination.path, "--since", s.startText, "--safety-margin", "0", "--retry-delay", "0.05",
            ])
            #expect(sync.status == 0, "\(sync.stderr)")
            let verify = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(verify.status == 0, "\(verify.stdout)")
            let manifest = try await Binary.run(["manifest", "--dest", s.destination.path])
            #expect(manifest.status == 0, "\(manifest.stderr)")
            let sums = try String(contentsOf: s.destination.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
            for placeholder in left.empty { #expect(!sums.contains(placeholder), "\(placeholder) is not footage") }
            #expect(!sums.contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "no empty file")
        }
    }

    @Test("A full disk: exit 12, one sentence naming the destination, complete files kept, no .part")
    func diskFull() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let mount = s.destination.appendingPathComponent("small").path
            try await mountFolder(mount, "-t tmpfs -o size=6m tmpfs")
            defer { unmount(mount) }
            var arguments = s.arguments(["--ignore-failed-downloads", "--parallel", "1"])
            arguments = try arguments.replacing({ $0.hasPrefix("--dest=") }, with: "--dest=\(mount)")
            let result = try await Binary.run(arguments)
            #expect(result.status == 12, "\(result.stderr)")
            #expect(result.stderr.contains("is full"), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"))
            let files = try FileManager.default.contentsOfDirectory(atPath: mount)
            #expect(!files.contains { $0.hasSuffix(".part") }, "\(files)")
            #expect(files.count >= 1)
            for file in files { try MP4Check.validate(path: mount + "/" + file) }

            // sync names the full disk the same way, and keeps its state sound.
            let archive = s.destination.appendingPathComponent("small-archive").path
            try await mountFolder(archive, "-t tmpfs -o size=6m tmpfs")
            defer { unmount(archive) }
            let sync = try await Binary.run([
                "sync", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", archive, "--parallel", "1", "--retry-delay", "0.05",
            ])
            #expect(sync.status == 12, "\(sync.stderr)")
            #expect(sync.stderr.contains("is full"), "\(sync.stderr)")
            let walker = FileManager.default.enumerator(atPath: archive)
            while let item = walker?.nextObject() as? String { #expect(!item.hasSuffix(".part"), "\(item)") }
            let verify = try await Binary.run(["verify", "--dest", archive])
            #expect(verify.status == 0, "the files recorded are whole: \(verify.stdout)")
        }
    }

    @Test("An unwritable destination is found before any video is asked for; a symlink cannot lead outside --dest")
    func destinations() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let readOnly = s.destination.appendingPathComponent("ro").path
            try await mountFolder(readOnly, "--bind -o ro \(quoted(readOnly))")
            defer { unmount(readOnly) }
            var arguments = s.arguments()
            arguments = try arguments.replacing({ $0.hasPrefix("--dest=") }, with: "--dest=\(readOnly)")
            let result = try await Binary.run(arguments)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("cannot be written"), "\(result.stderr)")
            #expect(await s.simulator.state.currentStats().exports == 0)

            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-outside-\(UUID())")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: outside) }
            let inside = s.destination.appendingPathComponent("inside")
            try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
            let year = String(
                Calendar(identifier: .gregorian).component(
                    .year, from: Date(timeIntervalSince1970: Double(s.start) / 1000)))
            try FileManager.default.createSymbolicLink(
                atPath: inside.appendingPathComponent(year).path, withDestinationPath: outside.path)
            var linked = s.arguments(["--use-subfolders"])
            linked = try linked.replacing({ $0.hasPrefix("--dest=") }, with: "--dest=\(inside.path)")
            let escaped = try await Binary.run(linked)
            #expect(escaped.status != 0)
            #expect(escaped.stderr.contains("symbolic link"), "\(escaped.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        }
    }

    @Test("A closed stdout ends the run cleanly: exit 141, no crash trace, no .part")
    func closedOutput() async throws {
        try await Scenario.with(Scenario.throttled(bytesPerSecond: 400_000)) { s in
            let binary = try Binary.path("protect-dl")
            let line = ([binary] + s.arguments(["--json"])).map(quoted).joined(separator: " ")
            let piped = try await shell(
                "\(line) 2>\(quoted(s.destination.path))/err | head -1; echo \"status=${PIPESTATUS[0]}\"")
            #expect(piped.output.contains("status=141"), "\(piped.output)")
            let stderr = (try? String(contentsOfFile: s.destination.path + "/err", encoding: .utf8)) ?? ""
            #expect(!stderr.contains("Fatal error"), "\(stderr)")
            #expect(leftovers(s).parts.isEmpty)
            let cameras = ([binary, "cameras", "--json"] + Array(s.arguments().prefix(4))).map(quoted)
                .joined(separator: " ")
            let listed = try await shell("\(cameras) | head -1 >/dev/null; echo \"status=${PIPESTATUS[0]}\"")
            #expect(listed.output.contains("status=141") || listed.output.contains("status=0"), "\(listed.output)")
            #expect(!listed.output.contains("Fatal error"))
        }
    }

    @Test("Bad options: port, address, cameras, dest, passwords, pins; --version; help without foreign options")
    func options() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            func replacing(_ prefix: String, with value: String) throws -> [String] {
                try s.arguments().replacing({ $0.hasPrefix(prefix) }, with: value)
            }
            for port in ["70000", "0", "-1"] {
                var arguments = s.arguments()
                arguments = try arguments.replacingValue(of: "--port", with: port)
                let result = try await Binary.run(arguments)
                #expect(result.status == 64, "--port \(port): \(result.stderr)")
            }
            let url = try await Binary.run(try replacing("--address=", with: "--address=https://\(s.endpoint.host)"))
            #expect(url.status == 64)
            #expect(url.stderr.contains("not a URL"))
            let hostPort = try await Binary.run(try replacing("--address=", with: "--address=\(s.endpoint.host):8443"))
            #expect(hostPort.status == 64)
            #expect(hostPort.stderr.contains("--port 8443"))
            for cameras in ["", ","] {
                let result = try await Binary.run(try replacing("--cameras=", with: "--cameras=\(cameras)"))
                #expect(result.status == 64, "--cameras \(cameras): \(result.stderr)")
            }
            let mixed = try await Binary.run(try replacing("--cameras=", with: "--cameras=all,no such camera"))
            #expect(mixed.status == 6, "\(mixed.stderr)")
            let emptyDest = try await Binary.run(try replacing("--dest=", with: "--dest="))
            #expect(emptyDest.status == 64)
            var gap = try replacing("--start=", with: "--start=2026-03-08 02:30:00")
            gap = try gap.replacing({ $0 == s.endText }, with: "2026-03-08 04:00:00")
            let dst = try await Binary.run(gap)
            #expect(dst.stderr.contains("does not exist in America/New_York"), "\(dst.stderr)")
            let version = try await Binary.run(["--version"])
            #expect(version.status == 0)
            #expect(version.stdout.hasPrefix("protect-dl "))

            let folder = s.destination.appendingPathComponent("secrets")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let crlf = folder.appendingPathComponent("crlf").path
            try "protect\r\n".write(toFile: crlf, atomically: true, encoding: .utf8)
            let fromFile = try await Binary.run(s.arguments(["--password-file", crlf]), password: nil)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            // A configuration file or a unit names a file systemd hands the service by its folder's variable.
            let credential = try await runProcess(
                try Binary.path("protect-dl"),
                s.arguments(["--password-file", "${CREDENTIALS_DIRECTORY}/crlf", "--skip-existing-files"]),
                environment: ["PROTECT_DL_PASSWORD": nil, "CREDENTIALS_DIRECTORY": folder.path])
            #expect(credential.status == 0, "\(credential.stderr)")
            let unsetFolder = try await Binary.run(
                s.arguments(["--password-file", "${CREDENTIALS_DIRECTORY}/crlf", "--skip-existing-files"]),
                password: nil)
            #expect(unsetFolder.status == 64)
            #expect(unsetFolder.stderr.contains("${CREDENTIALS_DIRECTORY}, which is not set"), "\(unsetFolder.stderr)")
            let logins = await s.simulator.state.currentStats().logins
            let empty = try await Binary.run(s.arguments(), password: "")
            #expect(empty.status == 64)
            #expect(empty.stderr.contains("password is empty"))
            #expect(await s.simulator.state.currentStats().logins == logins, "no login attempt")
            let both = try await Binary.run(s.arguments(["--password", "x", "--password-file", crlf]))
            #expect(both.status == 64)

            let fingerprint = try #require(s.simulator.identity?.fingerprint)
            let bare = CertificatePinText.display(fingerprint)
            for pin in [
                bare, "SHA256 \(bare)", "sha256 Fingerprint=\(bare)", bare.replacingOccurrences(of: ":", with: ""),
            ] {
                let pinned = try await Binary.run(s.arguments(["--pin-sha256", pin, "--skip-existing-files", "-v"]))
                #expect(pinned.status == 0, "\(pin): \(pinned.stderr)")
                #expect(pinned.stderr.contains(bare), "-v shows the fingerprint")
                #expect(!pinned.stderr.contains("note: the console's certificate is not checked"))
            }
            let unpinned = try await Binary.run(s.arguments(["--skip-existing-files"]))
            #expect(unpinned.stderr.contains("--pin-sha256 \(bare)"), "\(unpinned.stderr)")

            for command in ["cameras", "snapshot", "verify"] {
                let help = try await Binary.run([command, "--help"])
                #expect(!help.stdout.contains("downloads-before-key-refresh"), "\(command) --help")
                #expect(!help.stdout.contains("(required)"), "\(command) --help")
            }
        }
    }

    @Test("Connection failures each get their own quick sentence, without build paths")
    func connectionFailures() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            var plain = Scenario.small(.unifiOS)
            plain.network.tls = false
            let plainSimulator = try ConsoleSimulator(configuration: plain)
            try await plainSimulator.withRunning { plainEndpoint in
                func run(_ address: String, _ port: Int, _ extra: [String] = []) async throws -> RunResult {
                    var arguments = s.arguments(extra)
                    arguments = try arguments.replacing({ $0.hasPrefix("--address=") }, with: "--address=\(address)")
                    arguments = try arguments.replacingValue(of: "--port", with: String(port))
                    return try await Binary.run(arguments, timeout: 30)
                }
                let began = Date()
                let plainHTTP = try await run(plainEndpoint.host, plainEndpoint.port)
                #expect(plainHTTP.status == 5)
                #expect(plainHTTP.stderr.contains("speaks plain HTTP"), "\(plainHTTP.stderr)")
                #expect(Date().timeIntervalSince(began) < 5, "no handshake retries")
                let closedPort = try freePort()
                let refused = try await run("127.0.0.1", closedPort)
                #expect(refused.status == 5)
                #expect(refused.stderr.contains("Connection refused"), "\(refused.stderr)")
                let unresolved = try await run("no-such-console.invalid", s.endpoint.port)
                #expect(unresolved.status == 5)
                #expect(unresolved.stderr.contains("could not be resolved"), "\(unresolved.stderr)")
                let verified = try await run(s.endpoint.host, s.endpoint.port, ["--verify-ssl"])
                #expect(verified.status == 8)
                #expect(verified.stderr.contains("failed verification"), "\(verified.stderr)")
                // A TLS server that shares no cipher with protect-dl (openssl s_server, TLS 1.2 with Camellia only).
                let folder = s.destination.appendingPathComponent("tls")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let made = try await shell(
                    "cd \(quoted(folder.path)) && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem "
                        + "-days 1 -subj /CN=localhost")
                try #require(made.status == 0, "openssl makes a certificate: \(made.output)")
                let tlsPort = try freePort()
                let server = try spawn(
                    "/usr/bin/env",
                    [
                        "openssl", "s_server", "-accept", String(tlsPort), "-cert", folder.path + "/c.pem", "-key",
                        folder.path + "/k.pem", "-tls1_2", "-cipher", "CAMELLIA256-SHA", "-quiet",
                    ])
                defer {
                    // s_server outlived a plain SIGTERM in every run (one orphan per test run): SIGKILL, and reap it.
                    kill(server.processIdentifier, SIGKILL)
                    server.waitUntilExit()
                }
                try await eventually("openssl s_server listening") { isListening(tlsPort) }
                let mismatch = try await run("127.0.0.1", tlsPort)
                #expect(mismatch.status == 5)
                #expect(mismatch.stderr.contains("share no TLS protocol version or cipher"), "\(mismatch.stderr)")
                for result in [plainHTTP, refused, unresolved, verified, mismatch] {
                    #expect(errorLines(result.stderr).count == 1, "\(result.stderr)")
                    #expect(!result.stderr.contains(".swift"))
                    #expect(!result.stderr.contains("/.build/"))
                    #expect(!result.stderr.contains("(("))
                }
            }
        }
    }

    @Test("A 5xx on the bootstrap is retried; 401 after a new login is an error, with exactly one shared login")
    func apiRetriesAndLogins() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            var faults = FaultSettings()
            faults.failStatus = 503
            faults.failCount = 2
            faults.failExportsOnly = false
            await s.simulator.state.setFaults(faults)
            let retried = try await Binary.run(s.arguments())
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(s.filesOnDisk().count == 6)

            // A 401 again right after a new login is an error with the console's words, not a crash; exactly one
            // new login was tried.
            let before = await s.simulator.state.currentStats().logins
            faults = FaultSettings()
            faults.unauthorizedCount = 2
            await s.simulator.state.setFaults(faults)
            let refused = try await Binary.run(s.arguments(["--retries", "0"]))
            #expect(refused.status == 4, "\(refused.stderr)")
            #expect(refused.stderr.contains("HTTP 401"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("Fatal error"))
            #expect(await s.simulator.state.currentStats().logins == before + 2, "the first login and one more")
        }
    }

    @Test("Ctrl-C stops within a second even mid-body, says so, and a second Ctrl-C ends at once; --quiet is quiet")
    func stopping() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            var faults = FaultSettings()
            faults.stallSeconds = 8
            faults.stallAfterBytes = 10_000
            faults.stallCount = 10
            await s.simulator.state.setFaults(faults)
            let (process, _) = try launch(s.arguments())
            try await eventually("two .part files, their exports mid-body") {
                let exports = await s.simulator.state.currentStats().currentExports
                return exports >= 2 && leftovers(s).parts.count >= 2
            }
            let signalled = Date()
            kill(process.processIdentifier, SIGINT)
            try await waitForExit(process, timeout: 30)
            let took = Date().timeIntervalSince(signalled)
            #expect(process.terminationStatus == 130)
            #expect(took < 5, "stopped \(took) s after Ctrl-C (the stalled body had 8 s to go)")
            #expect(leftovers(s).parts.isEmpty)

            let (again, _) = try launch(s.arguments(["--ignore-failed-downloads"]))
            try await eventually("two .part files") { leftovers(s).parts.count >= 2 }
            kill(again.processIdentifier, SIGINT)
            kill(again.processIdentifier, SIGINT)
            try await waitForExit(again, timeout: 30)
            #expect(again.terminationStatus == 130)
            #expect(leftovers(s).parts.isEmpty)

            await s.simulator.state.setFaults(FaultSettings())
            let quiet = try await Binary.run(s.arguments(["--quiet"]))
            #expect(quiet.status == 0)
            #expect(quiet.stdout == "6 files downloaded, 0 files skipped, 6 files total\n", "\(quiet.stdout)")
            #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
    }

    @Test("A corrupt or empty state database: exit 11 with the recovery step")
    func damagedState() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let folder = s.destination.appendingPathComponent(".protect-dl")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = folder.appendingPathComponent("state.sqlite")
            for content in [Data(), Data(repeating: 0x41, count: 8192)] {
                try content.write(to: database)
                let sync = try await Binary.run([
                    "sync", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                    "--dest", s.destination.path,
                ])
                #expect(sync.status == 11, "\(sync.stderr)")
                #expect(sync.stderr.contains("Move it aside"), "\(sync.stderr)")
                let verify = try await Binary.run(["verify", "--dest", s.destination.path])
                #expect(verify.status == 11, "\(verify.stderr)")
            }
        }
    }

    @Test("Planning is lazy and clipped to the recordings: ten years over cameras that recorded hours")
    func lazyPlanning() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            var arguments = s.arguments(["--json", "--skip-existing-files"])
            let tenYearsAgo = s.end - 10 * 365 * 24 * 3_600_000
            arguments = try arguments.replacing(
                { $0.hasPrefix("--start=") }, with: "--start=\(TimeFormatting.iso(tenYearsAgo))")
            let result = try await Binary.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try #require(jsonLines(result.stdout).last)
            // Eight hours of history per camera: at most nine segments each are asked for, not 87,600.
            let total = try #require(summary["total"] as? Int)
            #expect(total <= 3 * 9, "\(summary)")
            #expect(result.stderr.contains("lie outside the cameras' recordings"))
            #expect(await s.simulator.state.currentStats().exports <= 3 * 9)
        }
    }
}

/// The fingerprint as `AB:CD:...`, whatever form the simulator gives it in.
enum CertificatePinText {
    static func display(_ text: String) -> String {
        let hex = text.uppercased().filter(\.isHexDigit).suffix(64)
        var pairs: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            pairs.append(String(hex[index..<next]))
            index = next
        }
        return pairs.joined(separator: ":")
    }
}
