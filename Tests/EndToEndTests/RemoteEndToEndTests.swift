import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A console for remote tests: one camera of tiny video (about 3.6 MB an hour), frozen at half past an hour.
func remoteConsole() -> SimulatorConfiguration {
    var configuration = Scenario.small(.unifiOS)
    configuration.cameras.count = 1
    configuration.cameras.historyHours = 4
    return configuration
}

extension Scenario {
    /// `sync` of the last three settled hours into `dest`.
    func remoteSync(_ dest: String, _ extra: [String] = []) -> [String] {
        let since = iso((frozen ?? end) / 3_600_000 * 3_600_000 - 3 * 3_600_000)
        return ["sync", "--dest", dest, "--since", since] + connection(self) + nowArguments + extra
    }

    /// `download` of the range's first hour into `dest`.
    func remoteDownload(_ dest: String, _ extra: [String] = []) -> [String] {
        ["download", "--dest", dest, "--start", iso(start), "--end", iso(start + 3_600_000)] + connection(self)
            + extra
    }
}

@Suite("Remote destinations through rclone: S3 (moto) and SFTP (OpenSSH), rclone 1.60 and 1.75", .serialized)
struct RemoteEndToEndTests {
    @Test("sync, manifest, quick and deep verify, repair and retention on a remote", arguments: RemoteCase.all)
    func archiveOnRemote(testCase: RemoteCase) async throws {
        try await RemoteServer.with(testCase) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let first = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(first.status == 0, "\(first.stderr)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let records = try state.segments(status: .complete)
                #expect(records.count == 3)
                // Exactly the recorded files, at their final names, the size recorded; nothing temporary left.
                let files = try await remote.files()
                #expect(Set(files.keys) == Set(records.map(\.path)), "\(files.keys)")
                for record in records { #expect(files[record.path] == record.size) }
                #expect(try state.remoteFiles(status: .uploading).isEmpty)
                #expect(try state.remoteFiles(status: .uploaded).count == 3)
                #expect(try await remote.pendingUploads() == 0)
                let sorted = records.sorted { $0.start < $1.start }
                var oldMD5 = ""
                // Byte for byte what the console serves.
                try await remote.copy(to: s.destination)
                for record in records { #expect(try await s.segmentMatchesConsole(record), "\(record.path)") }
                if testCase.kind == .sftp {
                    // The server's SHA-1 of each file (its sha1sum) was compared with the one taken as the bytes
                    // passed, and recorded; no MD5 was taken.
                    for row in try state.remoteFiles() {
                        let sum = try await runProcess(
                            "/usr/bin/sha1sum", [s.destination.appendingPathComponent(row.path).path])
                        let hex = String(sum.stdout.prefix(40))
                        #expect(
                            hex.count == 40 && row.remoteHash == "sha1:" + hex, "\(row.path): \(row.remoteHash ?? "")")
                        #expect(row.md5 ?? "" == "")
                    }
                    // One file recorded as uploads were before SHA-1 was used (the remote's MD5): verify, below, asks
                    // the server for both kinds and compares each file's with its own.
                    let old = sorted[0]
                    let sum = try await runProcess(
                        "/usr/bin/md5sum", [s.destination.appendingPathComponent(old.path).path])
                    oldMD5 = String(sum.stdout.prefix(32))
                    try state.finishUpload(
                        path: old.path, size: old.size, sha256: old.sha256 ?? "", md5: oldMD5,
                        remoteHash: "md5:" + oldMD5)
                }
                try FileManager.default.removeItem(at: s.destination)
                try FileManager.default.createDirectory(at: s.destination, withIntermediateDirectories: true)

                // A second pass asks the console for nothing.
                await s.simulator.state.resetStats()
                let second = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(second.status == 0, "\(second.stderr)")
                #expect(await s.simulator.state.currentStats().exports == 0)

                // The manifest goes beside the data, and rclone alone can check the remote copy with it.
                let manifest = try await remote.protectDL(["manifest", "--dest", remote.dest])
                #expect(manifest.status == 0, "\(manifest.stderr)")
                let sums = remote.scratch.appendingPathComponent("sums")
                #expect(try await remote.rclone(["copyto", remote.dest + "/SHA256SUMS", sums.path]).status == 0)
                let check = try await remote.rclone([
                    "checksum", "sha256", sums.path, remote.dest, "--download", "--one-way",
                ])
                #expect(check.status == 0, "\(check.stderr)")
                #expect(try await remote.files()["manifest.json"] != nil)

                // Quick and deep verify of a sound archive.
                let quick = try await remote.protectDL(["verify", "--dest", remote.dest])
                #expect(quick.status == 0 && quick.stdout.contains("3 files checked, 0 missing, 0 altered"))
                let deep = try await remote.protectDL(["verify", "--dest", remote.dest, "--deep"])
                #expect(deep.status == 0, "\(deep.stdout)\(deep.stderr)")
                #expect(deep.stdout.contains("3 read back"), "\(deep.stdout)")
                if testCase.kind == .sftp {
                    // The file recorded with an MD5 is compared by the server's MD5: a record that differs is seen.
                    let old = sorted[0]
                    let wrong = String(repeating: "0", count: 32)
                    try state.finishUpload(
                        path: old.path, size: old.size, sha256: old.sha256 ?? "", md5: wrong, remoteHash: "md5:" + wrong
                    )
                    let mismatch = try await remote.protectDL(["verify", "--dest", remote.dest])
                    #expect(mismatch.status == 10)
                    #expect(
                        mismatch.stdout.contains("altered  \(old.path): the remote's MD5 of it changed"),
                        "\(mismatch.stdout)")
                    try state.finishUpload(
                        path: old.path, size: old.size, sha256: old.sha256 ?? "", md5: oldMD5,
                        remoteHash: "md5:" + oldMD5)
                }

                // Corrupt one object (same size, other bytes) and remove another.
                let corrupt = sorted[2]
                let gone = sorted[1]
                let bytes = Data(repeating: 0x41, count: Int(corrupt.size))
                let forged = remote.scratch.appendingPathComponent("forged.mp4")
                try bytes.write(to: forged)
                // Streamed in, as protect-dl's own uploads are: S3 then keeps no MD5 of it.
                let forge = try await runProcess(
                    "/bin/sh",
                    [
                        "-c", "\"$0\" rcat \"$1\" < \"$2\"", remote.testCase.rclone,
                        remote.dest + "/" + corrupt.path, forged.path,
                    ], environment: remote.environment)
                #expect(forge.status == 0, "\(forge.stderr)")
                #expect(try await remote.rclone(["deletefile", remote.dest + "/" + gone.path]).status == 0)
                let quickBad = try await remote.protectDL(["verify", "--dest", remote.dest])
                #expect(quickBad.status == 10)
                #expect(quickBad.stdout.contains("missing  \(gone.path)"), "\(quickBad.stdout)")
                // Only SFTP has a hash of its own in a listing (S3 has none for streamed objects): there the quick
                // pass sees the forgery too, by the server's SHA-1.
                #expect(quickBad.stdout.contains("altered  \(corrupt.path)") == (testCase.kind == .sftp))
                if testCase.kind == .sftp { #expect(quickBad.stdout.contains("SHA-1"), "\(quickBad.stdout)") }
                let deepBad = try await remote.protectDL(["verify", "--dest", remote.dest, "--deep"])
                #expect(deepBad.status == 10)
                #expect(deepBad.stdout.contains("altered  \(corrupt.path)"), "\(deepBad.stdout)")
                // A deep pass limited to fewer bytes than any file reads none back.
                let limited = try await remote.protectDL([
                    "verify", "--dest", remote.dest, "--deep", "--deep-max-bytes", "1K",
                ])
                #expect(limited.stdout.contains(", 0 read back"), "\(limited.stdout)")

                // A deep repair downloads both again (a quick one would miss the forgery on S3); a deep verify is
                // then clean.
                let repair = try await remote.protectDL(
                    ["verify", "--dest", remote.dest, "--deep", "--repair"] + connectionOnly(s))
                #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
                #expect(repair.stdout.contains("2 repaired, 0 not"), "\(repair.stdout)")
                let clean = try await remote.protectDL(["verify", "--dest", remote.dest, "--deep"])
                #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

                // Retention removes exactly the recorded expired files (the remote's times are upload times).
                let now = try #require(s.frozen)
                let keepHours: Int64 = 2
                let expired = sorted.filter { $0.end <= now - keepHours * 3_600_000 }.map(\.path)
                #expect(expired == [sorted[0].path])
                let pruned = try await remote.protectDL(s.remoteSync(remote.dest, ["--keep", "\(keepHours)h"]))
                #expect(pruned.status == 0, "\(pruned.stderr)")
                let left = try await remote.files()
                #expect(left[sorted[0].path] == nil)
                #expect(left[sorted[1].path] != nil && left[sorted[2].path] != nil)
                let after = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                #expect(try after.segments(status: .pruned).map(\.path) == [sorted[0].path])
            }
        }
    }
}

/// The processes whose parent is `pid` and whose command line holds `word` (rclone runs as setpriv's exec).
func children(of pid: Int32, containing word: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { Int32($0) }.filter { candidate in
        guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, Int32(fields[1]) == pid else { return false }
        let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(candidate)/cmdline"))) ?? Data()
        return String(decoding: command.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(word)
    }
}

/// Whether a process is gone (or a zombie no one reaped).
func isGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
}

extension RemoteEndToEndTests {
    @Test(
        "A console fault mid-stream and a body cut before its index leave nothing at the final name",
        arguments: RemoteCase.all)
    func consoleFaults(testCase: RemoteCase) async throws {
        try await RemoteServer.with(testCase) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                var faults = FaultSettings()
                // Well into the body: a signal while rclone 1.75 is still creating its multipart upload (its first
                // milliseconds) can leave that upload pending, never an object; see the README.
                faults.resetAfterBytes = 2_500_000
                faults.resetCount = 1
                await s.simulator.state.setFaults(faults)
                let cut = try await remote.protectDL(s.remoteDownload(remote.dest, ["--retries", "0"]))
                #expect(cut.status == 5, "\(cut.stderr)")
                #expect(try await remote.files().isEmpty)
                // No object under any name. (rclone's abort on SIGTERM does not always end its S3 multipart upload:
                // under load 1.60 left one pending, invisible and never an object; see the README.)

                // The body ends cleanly but before the moov box: end of input would commit it, so the upload is
                // aborted by a signal instead.
                faults = FaultSettings()
                faults.cutBeforeMoovCount = 1
                await s.simulator.state.setFaults(faults)
                let short = try await remote.protectDL(s.remoteDownload(remote.dest, ["--retries", "0"]))
                #expect(short.status == 7, "\(short.stderr)")
                #expect(try await remote.files().isEmpty)

                let whole = try await remote.protectDL(s.remoteDownload(remote.dest))
                #expect(whole.status == 0, "\(whole.stderr)")
                let files = try await remote.files()
                #expect(files.count == 1)
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                #expect(try state.remoteFiles(status: .uploading).isEmpty)
                #expect(try state.remoteFiles(status: .uploaded).map(\.path) == Array(files.keys))
            }
        }
    }

    @Test(
        "rclone killed mid-upload is retried; protect-dl killed with kill -9 commits nothing and the next run cleans up",
        arguments: RemoteCase.all)
    func kills(testCase: RemoteCase) async throws {
        var configuration = Scenario.throttled(bytesPerSecond: 900_000)
        configuration.cameras.count = 1
        configuration.cameras.historyHours = 4
        try await RemoteServer.with(testCase) { [configuration] remote in
            try await Scenario.with(configuration, frozen: true) { s in
                var environment = remote.environment.compactMapValues { $0 }
                environment["PROTECT_DL_PASSWORD"] = "protect"
                let arguments = s.remoteDownload(remote.dest, ["--retries", "2"]) + remote.remoteOptions()

                // rclone dies mid-stream: the upload fails, the temporary file is removed, the export is asked again.
                let first = try Daemon(try Binary.path("protect-dl"), arguments, environment: environment)
                let victim = try await waitForChild(of: first.process.processIdentifier)
                // The daemon's password is in its environment, not on its command line (which `ps` shows anyone).
                let commandLine = String(
                    decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(victim)/cmdline"))) ?? Data(),
                    as: UTF8.self)
                #expect(commandLine.contains("rcd") && !commandLine.contains("rc-pass"), "\(commandLine)")
                try await eventually("a second's worth of the export streamed (mid-upload)") {
                    await s.simulator.state.currentStats().bytesServed >= 900_000
                }
                kill(victim, SIGKILL)
                try await waitForExit(first.process, timeout: 120)
                #expect(first.process.terminationStatus == 0, "\(first.stderr)")
                #expect(first.stdout.contains("retry") || first.stderr.contains("retry"), "\(first.stderr)")
                let files = try await remote.files()
                #expect(files.count == 1 && files.keys.allSatisfy { !$0.contains(".partial-") }, "\(files)")
                try await remote.copy(to: s.destination)
                let record = try #require(
                    try ArchiveState(
                        destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false
                    ).remoteFiles(status: .uploaded).first)
                #expect(try FileHash.sha256(of: s.destination.appendingPathComponent(record.path)).hex == record.sha256)
                #expect(try await remote.rclone(["deletefile", remote.dest + "/" + record.path]).status == 0)

                // protect-dl dies mid-stream: rclone gets its parent-death signal, but also the end of its input (the
                // kernel closes the pipe), so it may abort, commit, or be stopped halfway (on S3 a multipart upload
                // is then left pending, invisible): whichever, it is under the temporary name, never the final one.
                let servedBefore = await s.simulator.state.currentStats().bytesServed
                let second = try Daemon(try Binary.path("protect-dl"), arguments, environment: environment)
                let uploader = try await waitForChild(of: second.process.processIdentifier)
                try await eventually("a second's worth of the export streamed (mid-upload)") {
                    await s.simulator.state.currentStats().bytesServed >= servedBefore + 900_000
                }
                kill(second.process.processIdentifier, SIGKILL)
                try await waitForExit(second.process, timeout: 30)
                try await eventually("rclone ended after protect-dl was killed", timeout: .seconds(20)) {
                    isGone(uploader)
                }
                let leftovers = try await remote.files()
                #expect(leftovers[record.path] == nil)
                #expect(leftovers.keys.allSatisfy { $0.contains(".partial-") }, "\(leftovers)")
                let journal = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                #expect(try journal.remoteFiles(status: .uploading).map(\.path) == [record.path])

                // The next run reconciles the row (removes a temporary file left on SFTP) and completes the file.
                let third = try await remote.protectDL(s.remoteDownload(remote.dest, ["--retries", "2"]))
                #expect(third.status == 0, "\(third.stderr)")
                let after = try await remote.files()
                #expect(Array(after.keys) == [record.path], "\(after)")
                #expect(try journal.remoteFiles(status: .uploading).isEmpty)
            }
        }
    }

    @Test(
        "A missing or old rclone, an unknown remote and refused credentials: one line, their own exit code, nothing asked of the console"
    )
    func refusals() async throws {
        try await RemoteServer.with(RemoteCase(kind: .sftp, version: "1.60")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let download = s.remoteDownload(remote.dest)
                let missing = try await remote.protectDL(download, rclone: "/nonexistent/rclone")
                #expect(missing.status == 13)
                #expect(errorLines(missing.stderr).count == 1, "\(missing.stderr)")
                let old = remote.scratch.appendingPathComponent("rclone-old")
                try "#!/bin/sh\necho 'rclone v1.59.2'\n".write(to: old, atomically: true, encoding: .utf8)
                chmod(old.path, 0o755)
                let tooOld = try await remote.protectDL(download, rclone: old.path)
                #expect(tooOld.status == 14 && tooOld.stderr.contains("1.59.2"), "\(tooOld.stderr)")
                let unknown = try await remote.protectDL(s.remoteDownload("nosuch:archive"))
                #expect(unknown.status == 15 && unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
                #expect(errorLines(unknown.stderr).count == 1, "\(unknown.stderr)")
                var wrongKey = remote
                wrongKey.environment["RCLONE_CONFIG_OSSH_KEY_FILE"] =
                    remote.scratch.appendingPathComponent("ssh/host").path
                let refused = try await wrongKey.protectDL(download)
                #expect(refused.status == 16, "\(refused.stderr)")
                #expect(errorLines(refused.stderr).count == 1, "\(refused.stderr)")
                #expect(await s.simulator.state.currentStats().requestsByEndpoint.isEmpty)
            }
        }
    }
}

/// Waits for protect-dl to start its rclone (an `rclone rcd` child, which takes the uploads); its PID.
/// The child found is rclone itself: it starts as `setpriv ... rclone rcd`, which then becomes rclone (while it
/// does, its command line reads empty).
func waitForChild(of pid: Int32) async throws -> Int32 {
    try await eventually("protect-dl to start its rclone (an rclone rcd child)", timeout: .seconds(30)) {
        children(of: pid, containing: "rcd").first { child in
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/cmdline"))) ?? Data()
            return command.split(separator: 0).first.map { String(decoding: $0, as: UTF8.self) }?.hasSuffix("rclone")
                == true
        }
    }
}

extension RemoteEndToEndTests {
    @Test(
        "events with thumbnails and snapshots go to a remote too",
        arguments: [RemoteCase(kind: .s3, version: "1.60"), RemoteCase(kind: .sftp, version: "1.75")])
    func eventsAndSnapshots(testCase: RemoteCase) async throws {
        try await RemoteServer.with(testCase) { remote in
            var configuration = Scenario.small(.unifiOS)
            configuration.cameras.historyHours = 4
            try await Scenario.with(configuration) { s in
                // One camera's last 90 minutes: a handful of clips (each upload is a few rclone calls), and one live
                // event that has ended, so that the window is never without a finished event whatever the hour.
                let camera = try #require(await s.simulator.cameras().first)
                let request = LiveEventRequest(
                    camera: camera.id, type: "motion", smartDetectTypes: nil, seconds: 0.3, closedOnAdd: false,
                    suffixedID: false, linkedSmartDetection: false)
                _ = try #require(await s.simulator.startEvent(request))
                // The console exports nothing that ends within 2 s of now: the event's end plus its padding.
                try await Task.sleep(for: .seconds(4.5))
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let events = try await remote.protectDL(
                    [
                        "events", "--start", iso(now - 5_400_000), "--end", iso(now), "--settle", "0",
                        "--cameras", camera.id, "--thumbnails", "--json", "--dest", remote.dest,
                    ] + connection(s))
                #expect(events.status == 0, "\(events.stderr)")
                let finished = jsonLines(events.stdout).filter { $0["event"] as? String == "finished" }
                #expect(!finished.isEmpty, "\(events.stdout.prefix(3000)) \(events.stderr.prefix(2000))")
                let files = try await remote.files()
                for clip in finished {
                    let path = try #require(clip["path"] as? String)
                    #expect(files[path] == (clip["bytes"] as? NSNumber)?.int64Value, "\(path)")
                }
                #expect(files.keys.filter { $0.hasSuffix(".mp4") }.count == finished.count)
                #expect(!files.keys.filter { $0.hasSuffix(".thumbnail.jpg") }.isEmpty)
                #expect(files.keys.allSatisfy { !$0.contains(".partial-") })

                let snapshots = try await remote.protectDL(["snapshot", "--dest", remote.dest] + connectionOnly(s))
                #expect(snapshots.status == 0, "\(snapshots.stderr)")
                let after = try await remote.files()
                let stills = Set(after.keys).subtracting(files.keys).filter { $0.hasSuffix(".jpg") }
                #expect(stills.count == 3, "\(stills)")
                // A local copy of a still is a JPEG ffprobe reads.
                try await remote.copy(to: s.destination)
                for still in stills {
                    #expect(try await Probe.of(s.destination.appendingPathComponent(still).path).codec == "mjpeg")
                }
            }
        }
    }
}

extension RemoteEndToEndTests {
    @Test("watch saves each event's clip and thumbnail to a remote, once, and stops cleanly")
    func watchToRemote() async throws {
        try await RemoteServer.with(RemoteCase(kind: .s3, version: "1.75")) { remote in
            try await Scenario.with(WatchEndToEndTests.console()) { s in
                let cameras = await s.simulator.cameras()
                let since = Int64(Date().timeIntervalSince1970 * 1000)
                var environment = remote.environment.compactMapValues { $0 }
                environment["PROTECT_DL_PASSWORD"] = "protect"
                let arguments =
                    try WatchEndToEndTests.watchArguments(s, since: since).replacing(
                        { $0.hasPrefix("--dest=") }, with: "--dest=" + remote.dest) + remote.remoteOptions()
                let daemon = try Daemon(try Binary.path("protect-dl"), arguments, environment: environment)
                try await eventually("the websocket to open", timeout: .seconds(30)) {
                    await s.simulator.state.currentStats().websocket.open >= 1
                }
                var ids: [String] = []
                for (number, type) in ["motion", "ring"].enumerated() {
                    let request = LiveEventRequest(
                        camera: cameras[number % cameras.count].id, type: type, smartDetectTypes: nil, seconds: 0.4,
                        closedOnAdd: false, suffixedID: false, linkedSmartDetection: false)
                    ids.append(try #require(await s.simulator.startEvent(request)).id)
                }
                let folder = remote.scratch.appendingPathComponent("state")
                @Sendable func savedEvents() async throws -> [EventRecord] {
                    try await Task.detached {
                        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(".protect-dl").path)
                        else { return [EventRecord]() }
                        return try ArchiveState(destination: folder, create: false, exclusive: false).events(
                            status: .saved)
                    }.value
                }
                var saved: [EventRecord] = []
                do {
                    try await eventually("both events saved", every: .milliseconds(250)) {
                        saved = try await savedEvents()
                        return Set(saved.map(\.id)) == Set(ids)
                    }
                } catch is WaitTimedOut {}
                #expect(Set(saved.map(\.id)) == Set(ids), "\(daemon.stderr.suffix(3000))")
                let stop = try await daemon.stop()
                #expect(stop.status == 0)
                let files = try await remote.files()
                for record in saved {
                    let path = try #require(record.path)
                    #expect(files[path] == record.size, "\(path)")
                    let thumbnail = String(path.dropLast(4)) + ".thumbnail.jpg"
                    #expect(files[thumbnail] != nil, "\(thumbnail)")
                }
                #expect(files.count == 2 * ids.count, "\(files.keys)")
            }
        }
    }
}
