import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// Starts `protect-dl` without waiting, so that a test can signal or kill it.
func launch(_ arguments: [String]) throws -> (Process, Pipe) {
    let out = Pipe()
    let process = try spawn(
        try Binary.path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": "protect"], stdout: out)
    return (process, out)
}

/// Every `.mp4` under the destination is a complete MP4 that ffprobe accepts; returns their relative paths.
func validFiles(_ s: Scenario) throws -> Set<String> {
    let files = s.filesOnDisk().filter { $0.hasSuffix(".mp4") }
    for file in files {
        try MP4Check.validate(path: s.destination.appendingPathComponent(file).path)
    }
    return files
}

@Suite("The download engine under faults, overload, signals and kill -9")
struct EngineEndToEndTests {
    /// A small legacy console that takes at most `maxExports` at once and answers each after `firstByte` seconds,
    /// with no byte-rate cap.
    static func limitedConsole(maxExports: Int, firstByte: Double) -> SimulatorConfiguration {
        var configuration = Scenario.small(.legacy)
        configuration.performance.enabled = true
        configuration.performance.maxConcurrentExports = maxExports
        configuration.performance.firstByteBase = firstByte
        configuration.performance.firstByteSecondsPerHour = 0
        configuration.performance.streamBytesPerSecond = nil
        configuration.performance.totalBytesPerSecond = nil
        return configuration
    }

    @Test("Fault matrix: every segment ends complete and exact at its final name, or absent and reported")
    func faultMatrix() async throws {
        var configuration = Scenario.small(.unifiOS)
        configuration.cameras.count = 4
        configuration.authentication.expiredSessionAnswer = .loginPage
        try await Scenario.with(configuration, hours: 3) { s in
            var faults = FaultSettings()
            faults.resetAfterBytes = 30_000
            faults.resetCount = 2
            faults.failStatus = 503
            faults.failCount = 3
            faults.failExportsOnly = true
            faults.stallSeconds = 5
            faults.stallAfterBytes = 5_000
            faults.stallCount = 1
            faults.htmlLoginPageCount = 2
            faults.cutBeforeMoovCount = 2
            faults.loginRateLimitCount = 0
            await s.simulator.state.setFaults(faults)
            let expirer = Task {
                try await eventually("four files") { s.filesOnDisk().filter({ $0.hasSuffix(".mp4") }).count >= 4 }
                await s.simulator.state.expireAllSessions()
                var more = await s.simulator.state.currentFaults()
                more.loginRateLimitCount = 1
                await s.simulator.state.setFaults(more)
            }
            // The timeout (4 s) is shorter than the stall (5 s), so a stalled body is cut and retried; it applies to
            // every request, and 2 s was too short for logins and listings on a loaded CI machine (a run ended with
            // exit 5 there, a listing's read timeout).
            let result = try await Binary.run(
                s.arguments([
                    "--parallel", "3", "--retries", "2", "--download-request-timeout", "4", "--ignore-failed-downloads",
                    "--json",
                ]))
            expirer.cancel()
            #expect(result.status == 0, "\(result.stderr)")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: false)
            let onDisk = try validFiles(s)
            #expect(s.filesOnDisk().allSatisfy { !$0.hasSuffix(".part") })
            var reportedFailures: Set<String> = []
            var finished: Set<String> = []
            for line in result.stdout.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    continue
                }
                if object["event"] as? String == "failed", let path = object["path"] as? String {
                    reportedFailures.insert(path)
                    #expect((object["reason"] as? String)?.isEmpty == false)
                }
                if object["event"] as? String == "finished", let path = object["path"] as? String {
                    finished.insert(path)
                }
            }
            #expect(finished == onDisk)
            for path in expected.keys {
                if onDisk.contains(path) {
                    let (camera, segment) = expected[path]!
                    #expect(try s.matchesConsole(path, camera: camera, segment: segment), "\(path)")
                } else {
                    #expect(reportedFailures.contains(path), "\(path) is neither on disk nor reported")
                }
            }
            #expect(onDisk.count + reportedFailures.count == expected.count)
            // A floor, not the property (that is above): under a loaded CI machine, 2 s request timeouts against 5 s
            // stalls spend more files' two retries (4 of 12 were left in one such run; 12 of 12 on a quiet machine).
            #expect(
                onDisk.count >= expected.count / 4,
                "\(result.stdout.split(separator: "\n").filter { $0.contains("\"failed\"") }.prefix(8).joined(separator: "\n"))"
            )
        }
    }

    @Test(
        "A console that takes one export at a time, with default options: the engine learns its ceiling from the first overload answer, stays there, and gets every segment (overload answers spend no retry)"
    )
    func overloadBackOff() async throws {
        try await Scenario.with(Self.limitedConsole(maxExports: 1, firstByte: 0.2), hours: 3) { s in
            let result = try await Binary.run(s.arguments(["--retries", "1", "--json"]))
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try #require(
                result.stdout.split(separator: "\n").last.flatMap {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                })
            #expect(summary["downloaded"] as? Int == 9)
            let stats = await s.simulator.state.currentStats()
            // The engine starts at four: the console refuses those asked beside the first (each refusal lowers the
            // ceiling to what still runs), and the engine stays at one after that.
            // On a loaded machine the accepted export may end before the refusals arrive, and a freed slot is tried
            // once more before the ceiling reaches one: a handful, never one per segment.
            #expect(stats.overloadRejections >= 1 && stats.overloadRejections <= 6, "\(stats.overloadRejections)")
            #expect(summary["overloads"] as? Int == stats.overloadRejections)
            #expect(stats.peakConcurrentExports <= 1)
            #expect(try validFiles(s).count == 9)
        }
    }

    @Test(
        "--parallel N --fixed-parallel runs exactly N at once where the defaults would start at four; alone it is refused"
    )
    func fixedParallel() async throws {
        try await Scenario.with(Self.limitedConsole(maxExports: 6, firstByte: 3), hours: 3) { s in
            // Exports wait 3 s for their first byte and end at once: a climb from four never sees a level's exports
            // all streaming for a whole window, so it would stay at four.
            let fixed = try await Binary.run(s.arguments(["--parallel", "6", "--fixed-parallel"]))
            #expect(fixed.status == 0, "\(fixed.stderr)")
            #expect(try validFiles(s).count == 9)
            let stats = await s.simulator.state.currentStats()
            // Six asked at once (five when a loaded machine let the first end before the sixth was sent); a climb
            // would have stayed at four.
            #expect(stats.peakConcurrentExports >= 5 && stats.peakConcurrentExports <= 6)
            #expect(stats.overloadRejections == 0)

            let alone = try await Binary.run(s.arguments(["--fixed-parallel"]))
            #expect(alone.status == 64)
            #expect(alone.stderr.contains("--fixed-parallel needs --parallel N"), "\(alone.stderr)")
        }
    }

    @Test("SIGTERM and SIGINT: running segments stop, their .part files go, the summary prints, exit 143 or 130")
    func signals() async throws {
        var configuration = Scenario.small(.unifiOS)
        configuration.performance.enabled = true
        configuration.performance.firstByteBase = 0
        configuration.performance.firstByteSecondsPerHour = 0
        configuration.performance.streamBytesPerSecond = 200_000
        configuration.performance.maxConcurrentExports = 10
        configuration.cameras.bitrate = 800_000
        try await Scenario.with(configuration, hours: 2) { s in
            for (signal, code) in [(SIGTERM, Int32(143)), (SIGINT, 130)] {
                let (process, out) = try launch(s.arguments(["--json"]))
                try await eventually("a .part file") { s.filesOnDisk().contains(where: { $0.hasSuffix(".part") }) }
                kill(process.processIdentifier, signal)
                try await waitForExit(process)
                #expect(process.terminationStatus == code)
                let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(output.contains(#""interrupted":true"#))
                #expect(!s.filesOnDisk().contains { $0.hasSuffix(".part") })
                _ = try validFiles(s)
            }
        }
    }

    @Test("kill -9 mid-run, then the same command with --skip-existing-files: the set completes, every file valid")
    func killNineAndResume() async throws {
        var configuration = Scenario.small(.legacy)
        // The first export stalls mid-body, so that the kill finds finished files and a partial one.
        configuration.faults.stallSeconds = 6
        configuration.faults.stallAfterBytes = 10_000
        configuration.faults.stallCount = 1
        try await Scenario.with(configuration, hours: 2) { s in
            let arguments = s.arguments(["--skip-existing-files", "--parallel", "2"])
            let (process, _) = try launch(arguments)
            try await eventually("a finished file and a .part file") {
                s.filesOnDisk().contains { $0.hasSuffix(".mp4") } && s.filesOnDisk().contains { $0.hasSuffix(".part") }
            }
            kill(process.processIdentifier, SIGKILL)
            try await waitForExit(process)
            #expect(s.filesOnDisk().contains { $0.hasSuffix(".part") })  // the kill left a partial file
            _ = try validFiles(s)  // but every final name holds a whole file

            let resumed = try await Binary.run(arguments)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: false)
            #expect(try validFiles(s) == Set(expected.keys))
            #expect(!s.filesOnDisk().contains { $0.hasSuffix(".part") })
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment))
            }
        }
    }
}
