import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// A small console for archive tests: two cameras, four hours of history.
func syncConsole(cameras: Int = 2) -> SimulatorConfiguration {
    var configuration = Scenario.small(.unifiOS)
    configuration.cameras.count = cameras
    configuration.cameras.historyHours = 4
    return configuration
}

extension Scenario {
    /// `protect-dl sync` against this console into the destination, plus `extra`.
    func sync(_ extra: [String] = []) -> [String] {
        ["sync", "--dest", destination.path] + connection(self) + extra + nowArguments
    }

    /// `--now` at the frozen moment, when the simulator's clock is frozen.
    var nowArguments: [String] { frozen.map { ["--now", TimeFormatting.iso($0)] } ?? [] }

    /// Reads the archive's state (without its lock, as verify does).
    func state() throws -> ArchiveState { try ArchiveState(destination: destination, create: false, exclusive: false) }

    /// Every `.mp4` the state lists as complete exists with the recorded size and hash.
    func stateMatchesDisk() throws -> Bool {
        let state = try state()
        for record in try state.segments(status: .complete) {
            let url = destination.appendingPathComponent(record.path)
            guard let hash = try? FileHash.sha256(of: url), hash.hex == record.sha256, hash.size == record.size
            else { return false }
        }
        return true
    }

    /// Checks a complete segment's file against what the console serves for it.
    func segmentMatchesConsole(_ record: SegmentRecord) async throws -> Bool {
        let cameras = await simulator.cameras()
        guard let camera = cameras.first(where: { $0.id == record.cameraID }) else { return false }
        return try matchesConsole(record.path, camera: camera, segment: Segment(start: record.start, end: record.end))
    }
}

@Suite("protect-dl sync, verify, manifest and retention against protect-sim")
struct SyncEndToEndTests {
    @Test(
        "A first sync downloads every complete hour byte for byte; a second asks for no export at all",
        arguments: SimulatorConfiguration.Mode.allCases)
    func firstAndIdempotentSync(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = syncConsole()
        configuration.mode = mode
        // Both clocks are frozen: the two passes compare the same hours whenever the test runs.
        try await Scenario.with(configuration, frozen: true) { s in
            let first = try await Binary.run(s.sync())
            #expect(first.status == 0, "\(first.stderr)")
            let state = try s.state()
            let records = try state.segments()
            #expect(records.count >= 8 && records.allSatisfy { $0.status == .complete })
            #expect(try state.integrityCheck() == "ok")
            for record in records { #expect(try await s.segmentMatchesConsole(record), "\(record.path)") }
            let now = try #require(s.frozen)
            #expect(records.allSatisfy { $0.end <= now - 300_000 }, "never the hour the console is still writing")
            #expect(Set(records.map(\.path)) == s.filesOnDisk().filter { $0.hasSuffix(".mp4") })
            #expect(try s.stateMatchesDisk())
            await s.simulator.state.resetStats()
            let second = try await Binary.run(s.sync())
            #expect(second.status == 0, "\(second.stderr)")
            #expect(
                second.lastLine.hasSuffix(
                    "sync: 0 downloaded, 0 adopted, 0 empty, 0 failed, \(records.count) already complete, 0 known empty"
                ))
            let stats = await s.simulator.state.currentStats()
            #expect(stats.exports == 0 && stats.emptyExports == 0)
            #expect(
                Set(stats.requestsByEndpoint.keys).isSubset(of: ["login", "bootstrap", "root"]),
                "\(stats.requestsByEndpoint)")
        }
    }

    @Test("kill -9 mid-sync leaves a sound database; a second sync meanwhile is refused; the next sync completes")
    func killNineLockAndResume() async throws {
        var configuration = syncConsole()
        configuration.faults.stallSeconds = 15
        configuration.faults.stallAfterBytes = 10_000
        configuration.faults.stallCount = 1
        try await Scenario.with(configuration, frozen: true) { s in
            let (process, _) = try launch(s.sync(["--parallel", "2"]))
            try await eventually("a finished file and a .part file") {
                s.filesOnDisk().contains { $0.hasSuffix(".mp4") } && s.filesOnDisk().contains { $0.hasSuffix(".part") }
            }
            let second = try await Binary.run(s.sync())
            #expect(second.status == 11)
            #expect(second.stderr.contains("Another protect-dl") && second.stderr.contains("pid"))
            kill(process.processIdentifier, SIGKILL)
            try await waitForExit(process)
            let killed = try s.state()
            #expect(try killed.integrityCheck() == "ok")
            let completeBefore = try killed.segments(status: .complete)
            #expect(!completeBefore.isEmpty)
            #expect(try s.stateMatchesDisk())
            await s.simulator.state.setFaults(FaultSettings())
            let resumed = try await Binary.run(s.sync())
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let records = try s.state().segments()
            #expect(records.allSatisfy { $0.status == .complete })
            for record in records { #expect(try await s.segmentMatchesConsole(record)) }
            #expect(!s.filesOnDisk().contains { $0.hasSuffix(".part") })
            #expect(Set(records.map(\.path)) == s.filesOnDisk().filter { $0.hasSuffix(".mp4") })
        }
    }

    @Test("Failed hours are retried by the next sync, empty hours are not unless --recheck-empty")
    func gapsAndFailures() async throws {
        var configuration = syncConsole()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let hour: Int64 = 3_600_000
        let gapStart = (now / hour - 2) * hour
        configuration.gaps = [.init(cameraIndex: 1, start: gapStart, end: gapStart + hour)]
        try await Scenario.with(configuration, frozen: true) { s in
            var faults = FaultSettings()
            faults.failStatus = 503
            faults.failCount = 2
            faults.failExportsOnly = true
            await s.simulator.state.setFaults(faults)
            let first = try await Binary.run(s.sync(["--retries", "0", "--parallel", "1"]))
            #expect(first.status == 4, "failed hours give exit 4 and are recorded")
            let state = try s.state()
            let failed = try state.segments(status: .failed)
            let empty = try state.segments(status: .empty)
            #expect(failed.count == 2 && failed.allSatisfy { !($0.lastReason ?? "").isEmpty })
            #expect(empty.count == 1 && empty.first?.start == gapStart)
            #expect(failed.allSatisfy { !s.filesOnDisk().contains($0.path) })
            await s.simulator.state.resetStats()
            let second = try await Binary.run(s.sync())
            #expect(second.status == 0, "\(second.stderr)")
            var stats = await s.simulator.state.currentStats()
            #expect(stats.exports == 2 && stats.emptyExports == 0)
            #expect(try s.state().segments(status: .failed).isEmpty)
            await s.simulator.state.resetStats()
            let recheck = try await Binary.run(s.sync(["--recheck-empty"]))
            #expect(recheck.status == 0)
            stats = await s.simulator.state.currentStats()
            #expect(stats.exports == 0 && stats.emptyExports == 1)
            #expect(try s.state().segments(status: .empty).first?.attempts == 2)
        }
    }

    @Test("Files of the original downloader are adopted after a check, not downloaded again; a broken one is replaced")
    func adoption() async throws {
        try await Scenario.with(syncConsole(), hours: 2, frozen: true) { s in
            let original = try await Binary.run(s.arguments([], cameras: "all"))
            #expect(original.status == 0, "\(original.stderr)")
            let flat = s.filesOnDisk()
            #expect(flat.count == 4)
            let broken = try #require(flat.sorted().last)
            try Data("not a movie".utf8).write(to: s.destination.appendingPathComponent(broken))
            // A well-formed MP4 of two minutes under an hour's name is not that hour.
            let short = try #require(flat.sorted().first)
            let camera = try #require(await s.simulator.cameras().first { short.contains(String($0.id.suffix(4))) })
            let now = try #require(s.frozen)
            let twoMinutes = try #require(
                s.simulator.expectedExport(camera: camera, start: s.start, end: s.start + 119_999, now: now))
            var chunks = twoMinutes.chunks()
            var bytes = Data()
            while let chunk = chunks.next() { bytes.append(contentsOf: chunk.readableBytesView) }
            try bytes.write(to: s.destination.appendingPathComponent(short))
            await s.simulator.state.resetStats()
            let result = try await Binary.run(s.sync(["--since", s.startText]))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.lastLine.contains("2 adopted"), "\(result.stdout)")
            let records = try s.state().segments()
            let adopted = records.filter(\.adopted)
            #expect(Set(adopted.map(\.path)) == flat.subtracting([broken, short]))
            let stats = await s.simulator.state.currentStats()
            #expect(stats.exports == records.count - 2)
            for record in records { #expect(try await s.segmentMatchesConsole(record), "\(record.path)") }
            #expect(records.allSatisfy { $0.duration != nil }, "each row keeps the duration its file holds")

            // A row that claims an hour for a two-minute file (as older versions could adopt) fails verify.
            let verified = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(verified.status == 0, "\(verified.stdout)")
            let victim = try #require(records.first { $0.adopted })
            let url = s.destination.appendingPathComponent(victim.path)
            try bytes.write(to: url)
            let hash = try FileHash.sha256(of: url)
            try ArchiveState(destination: s.destination).recordComplete(
                cameraID: victim.cameraID, stream: victim.stream, start: victim.start, end: victim.end,
                path: victim.path, size: hash.size, sha256: hash.hex, adopted: true, duration: nil)
            let caught = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(caught.status == 10, "\(caught.stdout)")
            #expect(caught.stdout.contains("seconds of video"), "\(caught.stdout)")
        }
    }

    @Test("verify finds a changed byte and a deleted file (exit 10); --repair restores them; the manifest checks")
    func verifyRepairManifest() async throws {
        try await Scenario.with(syncConsole(), frozen: true) { s in
            let first = try await Binary.run(s.sync())
            #expect(first.status == 0, "\(first.stderr)")
            let clean = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(clean.status == 0 && clean.lastLine.hasSuffix("0 missing, 0 altered"), "\(clean.stdout)")
            let records = try s.state().segments(status: .complete)
            try #require(records.count >= 2, "a first sync records at least two hours")
            let changed = s.destination.appendingPathComponent(records[0].path)
            var bytes = try Data(contentsOf: changed)
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: changed)
            try FileManager.default.removeItem(at: s.destination.appendingPathComponent(records[1].path))
            let found = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(found.status == 10)
            #expect(found.stdout.contains("altered  \(records[0].path): its SHA-256 changed"))
            #expect(found.stdout.contains("missing  \(records[1].path)"))
            let repaired = try await Binary.run(
                ["verify", "--dest", s.destination.path, "--repair"] + connectionOnly(s))
            #expect(repaired.status == 0, "\(repaired.stderr)")
            #expect(repaired.lastLine == "2 repaired, 0 not")
            #expect(try await s.segmentMatchesConsole(records[0]))
            #expect(try await s.segmentMatchesConsole(records[1]))
            #expect(try await Binary.run(["verify", "--dest", s.destination.path]).status == 0)

            let manifest = try await Binary.run(["manifest", "--dest", s.destination.path])
            #expect(manifest.status == 0, "\(manifest.stderr)")
            let check = try await runProcess(
                "/usr/bin/env", ["sha256sum", "--quiet", "-c", "SHA256SUMS"], directory: s.destination)
            #expect(check.status == 0)
            let json = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: s.destination.appendingPathComponent("manifest.json")))
                    as? [String: Any])
            #expect(json["count"] as? Int == records.count)
            #expect((json["console"] as? [String: Any])?["name"] as? String == "Simulated NVR")
            let one = try await Binary.run([
                "manifest", "--dest", s.destination.path, "--cameras", records[0].cameraID, "--start",
                iso(records[0].start), "--end", iso(records[0].end),
            ])
            #expect(one.status == 0)
            let sums = try String(contentsOf: s.destination.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
            #expect(sums == "\(records[0].sha256 ?? "")  \(records[0].path)\n")
            try bytes.write(to: changed)
            #expect(try await Binary.run(["manifest", "--dest", s.destination.path]).status == 0)
            let tampered = try await runProcess(
                "/usr/bin/env", ["sha256sum", "--quiet", "-c", "SHA256SUMS"], directory: s.destination)
            #expect(tampered.status != 0, "sha256sum -c catches a changed byte")
        }
    }

    @Test("--keep removes only old files the archive knows, and their empty folders; --dry-run removes nothing")
    func retention() async throws {
        try await Scenario.with(syncConsole(), frozen: true) { s in
            let first = try await Binary.run(s.sync())
            #expect(first.status == 0, "\(first.stderr)")
            let records = try s.state().segments(status: .complete)
            let now = try #require(s.frozen, "the moment protect-dl was told it is")
            let old = records.filter { $0.end <= now - 2 * 3_600_000 - 60_000 }
            #expect(!old.isEmpty && old.count < records.count)
            let oldest = try #require(old.first)
            let oldFolder = s.destination.appendingPathComponent(oldest.path).deletingLastPathComponent()
            let stranger = oldFolder.appendingPathComponent("not-from-the-console.mp4")
            try Data("mine".utf8).write(to: stranger)
            let dry = try await Binary.run(s.sync(["--keep", "2h", "--dry-run"]))
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.split(separator: "\n").filter { $0.hasPrefix("would remove") }.count >= old.count)
            #expect(Set(records.map(\.path)).isSubset(of: s.filesOnDisk()))
            await s.simulator.state.resetStats()
            let kept = try await Binary.run(s.sync(["--keep", "2h"]))
            #expect(kept.status == 0, "\(kept.stderr)")
            let onDisk = s.filesOnDisk()
            let pruned = try s.state().segments(status: .pruned)
            #expect(pruned.count >= old.count)
            #expect(pruned.allSatisfy { !onDisk.contains($0.path) })
            #expect(FileManager.default.fileExists(atPath: stranger.path), "never a file the archive does not know")
            let remaining = try s.state().segments(status: .complete)
            #expect(remaining.allSatisfy { onDisk.contains($0.path) && $0.end > now - 2 * 3_600_000 - 120_000 })
            for record in pruned {
                let folder = s.destination.appendingPathComponent(record.path).deletingLastPathComponent()
                let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                #expect(
                    !contents.isEmpty || !FileManager.default.fileExists(atPath: folder.path), "no empty folder left")
            }
            #expect(await s.simulator.state.currentStats().exports == 0, "pruned hours are not downloaded again")
        }
    }

    @Test("New cameras are picked up, renamed ones keep their history, removed ones keep their files")
    func camerasComeAndGo() async throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-sync-\(UUID())")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: destination) }
        func run(cameras: Int, _ body: @Sendable (Scenario) async throws -> Void) async throws {
            try await Scenario.with(syncConsole(cameras: cameras), frozen: true) { s in
                try await body(s)
            }
        }
        try await run(cameras: 1) { s in
            let since = iso(s.end - 3_600_000)
            let result = try await Binary.run(
                ["sync", "--dest", destination.path, "--since", since] + connection(s) + s.nowArguments)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let firstPaths = Set(
            try ArchiveState(destination: destination, create: false, exclusive: false).segments().map(\.path))
        try await run(cameras: 2) { s in
            let cameras = await s.simulator.cameras()
            try #require(!cameras.isEmpty)
            #expect(await s.simulator.state.rename(camera: cameras[0].id, to: "Renamed Porch"))
            let since = iso(s.end - 2 * 3_600_000)
            let result = try await Binary.run(
                ["sync", "--dest", destination.path, "--since", since] + connection(s) + s.nowArguments)
            #expect(result.status == 0, "\(result.stderr)")
            let state = try ArchiveState(destination: destination, create: false, exclusive: false)
            let records = try state.segments()
            #expect(Set(records.map(\.cameraID)) == Set(cameras.map(\.id)), "the new camera is picked up")
            #expect(firstPaths.isSubset(of: Set(records.map(\.path))), "the renamed camera's old files stay known")
            #expect(records.contains { $0.path.contains("Renamed_Porch") })
            #expect(try state.cameras().first { $0.id == cameras[0].id }?.name == "Renamed Porch")
        }
        try await run(cameras: 1) { s in
            let result = try await Binary.run(
                ["sync", "--dest", destination.path, "--since", iso(s.end - 3_600_000)] + connection(s) + s.nowArguments
            )
            #expect(result.status == 0)
            let state = try ArchiveState(destination: destination, create: false, exclusive: false)
            #expect(try state.cameras().count == 2, "the removed camera keeps its history")
            let verify = try await Binary.run(["verify", "--dest", destination.path])
            #expect(verify.status == 0, "\(verify.stdout)")
        }
    }

    @Test("--every keeps syncing, one summary line per pass, and SIGTERM stops it cleanly with exit 0")
    func daemon() async throws {
        try await Scenario.with(syncConsole(), frozen: true) { s in
            let (process, out) = try launch(s.sync(["--every", "1s", "--quiet"]))
            try await eventually("three passes") {
                await s.simulator.state.currentStats().requestsByEndpoint["bootstrap", default: 0] >= 3
            }
            process.terminate()
            try await waitForExit(process)
            #expect(process.terminationStatus == 0)
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let passes = text.split(separator: "\n").filter { $0.contains("sync: ") }
            #expect(passes.count >= 2, "\(text)")
            #expect(passes.dropFirst().allSatisfy { $0.contains(" 0 downloaded") })
        }
    }
}
