import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl download, the built binary against protect-sim")
struct DownloadEndToEndTests {
    @Test(
        "All cameras, original names and bytes, exit 0, the original's summary line",
        arguments: SimulatorConfiguration.Mode.allCases)
    func allCameras(mode: SimulatorConfiguration.Mode) async throws {
        try await Scenario.with(Scenario.small(mode)) { s in
            let result = try await Binary.run(s.arguments())
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.lastLine == "6 files downloaded, 0 files skipped, 6 files total")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: false)
            #expect(s.filesOnDisk() == Set(expected.keys))
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment), "\(path)")
            }
        }
    }

    @Test("Chosen cameras with subfolders, the download subcommand and --opt value forms, channel sent")
    func chosenCamerasSubfolders() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let cameras = await s.simulator.cameras()
            try #require(cameras.count == 3)
            let chosen = [cameras[2], cameras[0]]
            let result = try await Binary.run(
                s.arguments(
                    ["--use-subfolders", "--channel", "1"], cameras: chosen.map(\.id).joined(separator: ","),
                    subcommand: true))
            #expect(result.status == 0, "\(result.stderr)")
            let expected = s.expectedFiles(cameras: chosen, subfolders: true, suffix: "_channel1")
            #expect(s.filesOnDisk() == Set(expected.keys))
            #expect(expected.keys.allSatisfy { $0.split(separator: "/").count == 5 })
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment, channel: 1))
            }
        }
    }

    @Test("--skip-existing-files keeps what is there and counts it as skipped")
    func skipExisting() async throws {
        try await Scenario.with(Scenario.small(.legacy)) { s in
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: false)
            let existing = try #require(expected.keys.sorted().first)
            try Data("mine".utf8).write(to: s.destination.appendingPathComponent(existing))
            let result = try await Binary.run(s.arguments(["--skip-existing-files"]))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.lastLine == "5 files downloaded, 1 files skipped, 6 files total")
            #expect(try Data(contentsOf: s.destination.appendingPathComponent(existing)) == Data("mine".utf8))
            let again = try await Binary.run(s.arguments(["--skip-existing-files"]))
            #expect(again.lastLine == "0 files downloaded, 6 files skipped, 6 files total")
            #expect(await s.simulator.state.currentStats().exports == 5)
        }
    }

    @Test(
        "HTTP errors: exit 4 with the console's reason; --ignore-failed-downloads goes on; a handled failure leaves no placeholder"
    )
    func failuresIgnoredAndTouched() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            var faults = FaultSettings()
            faults.failStatus = 502
            faults.failCount = 1
            faults.failExportsOnly = true
            await s.simulator.state.setFaults(faults)
            let stop = try await Binary.run(
                s.arguments(["--retries", "0", "--cameras=\((await s.simulator.cameras())[0].id)"]))
            #expect(stop.status == 4)
            #expect(stop.stderr.contains("(HTTP 502): 502 Bad Gateway"))
            #expect(s.filesOnDisk().isEmpty)
            // The stopped run's other export may still reach the console: it must not take the next fault.
            // It has exited, but what it sent may still be in the console's sockets: wait until the console has
            // closed every connection (read every request) and ended every export.
            try await eventually("the stopped run's connections and exports to end") {
                let exports = await s.simulator.state.currentStats().currentExports
                return exports == 0 && openConnections(toPort: s.endpoint.port) == 0
            }

            faults.failCount = 1
            await s.simulator.state.setFaults(faults)
            let ignored = try await Binary.run(
                s.arguments(["--retries", "0", "--ignore-failed-downloads", "--touch-files"]))
            #expect(ignored.status == 0, "\(ignored.stderr)")
            #expect(ignored.lastLine == "5 files downloaded, 0 files skipped, 6 files total")
            let files = s.filesOnDisk()
            #expect(files.count == 5, "the failed segment's placeholder was removed: \(files)")
            let empty = files.filter {
                ((try? FileManager.default.attributesOfItem(atPath: s.destination.appendingPathComponent($0).path)[
                    .size])
                    as? NSNumber)?.intValue == 0
            }
            #expect(empty.isEmpty)
            let rerun = try await Binary.run(s.arguments(["--skip-existing-files", "--touch-files"]))
            #expect(rerun.lastLine == "1 files downloaded, 5 files skipped, 6 files total")
            #expect(s.filesOnDisk().count == 6)
        }
    }

    @Test("Sessions and keys expiring mid-run are renewed", arguments: SimulatorConfiguration.Mode.allCases)
    func expiryMidRun(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = Scenario.small(mode)
        // Counted uses, not a timer: a session ends after its fourth request and a legacy key after its second,
        // however fast or slow the machine runs the download.
        configuration.authentication.accessKeyMaxUses = 2
        configuration.authentication.sessionMaxUses = 4
        try await Scenario.with(configuration, hours: 3) { s in
            let result = try await Binary.run(s.arguments(["--wait-between-downloads", "0.2"]))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.lastLine == "9 files downloaded, 0 files skipped, 9 files total")
            let stats = await s.simulator.state.currentStats()
            #expect(stats.logins >= 2)
            #expect(stats.requestsByStatus["401", default: 0] >= 1)
        }
    }

    @Test("Broken bodies are retried; without retries they fail with their code and leave no file behind")
    func faults() async throws {
        try await Scenario.with(Scenario.small(.unifiOS), hours: 1) { s in
            let camera = (await s.simulator.cameras())[1].id
            var faults = FaultSettings()
            faults.resetAfterBytes = 20_000
            faults.resetCount = 1
            faults.htmlLoginPageCount = 1
            faults.cutBeforeMoovCount = 1
            await s.simulator.state.setFaults(faults)
            // The login page is taken for an expired session (one re-login), the reset and the cut body hit the
            // next attempt together (one retry); the third attempt gets the segment through.
            let recovered = try await Binary.run(s.arguments(["--cameras=\(camera)"]))
            #expect(recovered.status == 0, "\(recovered.stderr)")
            #expect(recovered.stderr.components(separatedBy: "retrying").count - 1 == 1)
            #expect(s.filesOnDisk().count == 1)
            let stats = await s.simulator.state.currentStats()
            #expect(stats.logins == 2)
            // Counted once the console's handler has sent the last byte, which may come after protect-dl ended.
            try await eventually("the console counts one complete export") {
                await s.simulator.state.currentStats().completedExports == 1
            }

            for (fault, code) in [("reset", Int32(5)), ("html", 7), ("cut", 7), ("stall", 5)] {
                try? FileManager.default.removeItem(at: s.destination)
                try FileManager.default.createDirectory(at: s.destination, withIntermediateDirectories: true)
                var faults = FaultSettings()
                switch fault {
                case "reset":
                    faults.resetAfterBytes = 20_000
                    faults.resetCount = 1
                case "html": faults.htmlLoginPageCount = 2  // also after the re-login
                case "cut": faults.cutBeforeMoovCount = 1
                default:
                    faults.stallSeconds = 4
                    faults.stallAfterBytes = 10_000
                    faults.stallCount = 1
                }
                await s.simulator.state.setFaults(faults)
                // Only the stall needs a short idle timeout; elsewhere it would fire on a busy test machine.
                let timeout = fault == "stall" ? "1" : "20"
                let result = try await Binary.run(
                    s.arguments(["--cameras=\(camera)", "--retries", "0", "--download-request-timeout", timeout]))
                #expect(result.status == code, "\(fault): \(result.stderr)")
                #expect(s.filesOnDisk().isEmpty, "\(fault) left \(s.filesOnDisk())")
            }
        }
    }

    @Test("An hour without footage is reported as such, not as a failure")
    func noFootage() async throws {
        var configuration = Scenario.small(.unifiOS)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let gapStart = (now / 3_600_000 - 2) * 3_600_000
        configuration.gaps = [.init(cameraIndex: 0, start: gapStart, end: gapStart + 3_600_000)]
        try await Scenario.with(configuration) { s in
            let camera = (await s.simulator.cameras())[0].id
            let result = try await Binary.run(s.arguments(["--cameras=\(camera)"]))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("no footage"))
            #expect(result.stdout.contains("No files found matching criteria."))
            #expect(result.lastLine == "1 files downloaded, 1 files skipped, 2 files total")
        }
    }

    @Test("Bad input: one sentence and a distinct exit code each")
    func badInput() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let unknown = try await Binary.run(s.arguments(cameras: "ffffffffffffffffffffffff"))
            #expect(unknown.status == 6)
            let cameras = await s.simulator.cameras()
            try #require(!cameras.isEmpty)
            #expect(unknown.stderr.contains(cameras[0].id) && unknown.stderr.contains(cameras[0].name))

            var missing = s.arguments()
            missing = try missing.replacing({ $0.hasPrefix("--dest=") }, with: "--dest=/nonexistent/folder")
            let noDest = try await Binary.run(missing)
            #expect(noDest.status == 1)
            #expect(noDest.stderr.contains("/nonexistent/folder"))

            var badTime = s.arguments()
            badTime = try badTime.replacing({ $0.hasPrefix("--start=") }, with: "--start=last tuesday")
            let parsed = try await Binary.run(badTime)
            #expect(parsed.status == 64)
            #expect(parsed.stderr.contains("\"last tuesday\" is not understood"))

            var reversed = s.arguments()
            reversed = try reversed.replacing({ $0.hasPrefix("--start=") }, with: "--start=\(s.endText)")
            reversed = try reversed.replacing({ $0 == s.endText }, with: s.startText)
            let backwards = try await Binary.run(reversed)
            #expect(backwards.status == 64)
            #expect(backwards.stderr.contains("end time must be after the start"))

            let wrongPassword = try await Binary.run(s.arguments(), password: "wrong")
            #expect(wrongPassword.status == 2)
            #expect(wrongPassword.stderr.contains("Invalid username or password"))
            #expect(!wrongPassword.stderr.contains("wrong"))
            for output in [unknown, noDest, parsed, backwards, wrongPassword] {
                #expect(errorLines(output.stderr).count == 1, "\(output.stderr)")
                #expect(!output.stderr.contains("Fatal error"))
            }
            #expect(s.filesOnDisk().isEmpty)
        }
    }

    @Test("Times without an offset are read in the console's zone, which is named")
    func consoleZone() async throws {
        try await Scenario.with(Scenario.small(.legacy), hours: 1) { s in
            let zone = DisplayZone.named("America/New_York")
            let f = TimeFormatting.fields(s.start, in: zone)
            let g = TimeFormatting.fields(s.end, in: zone)
            let text = { (x: LocalFields) in String(format: "%04d-%02d-%02dT%02d:00:00", x.year, x.month, x.day, x.hour)
            }
            let camera = (await s.simulator.cameras())[1]
            var arguments = s.arguments(cameras: camera.id)
            arguments = try arguments.replacing({ $0.hasPrefix("--start=") }, with: "--start=\(text(f))")
            arguments = try arguments.replacing({ $0 == s.endText }, with: text(g))
            let result = try await Binary.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("America/New_York"))
            let name = FileNaming.fileName(
                cameraName: camera.name, cameraID: camera.id, segment: Segment(start: s.start, end: s.end), zone: zone)
            #expect(s.filesOnDisk() == [name])
        }
    }
}
