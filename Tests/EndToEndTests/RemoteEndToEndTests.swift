import Foundation
import ProtectArchive
import ProtectSimulator
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
                if testCase.kind == .sftp {
                    // The server's MD5 of each file was compared with the one taken while streaming.
                    #expect(try state.remoteFiles().allSatisfy { $0.remoteHash == "md5:" + ($0.md5 ?? "") })
                }
                #expect(try await remote.pendingUploads() == 0)
                // Byte for byte what the console serves.
                try await remote.copy(to: s.destination)
                for record in records { #expect(try await s.segmentMatchesConsole(record), "\(record.path)") }
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

                // Corrupt one object (same size, other bytes) and remove another.
                let sorted = records.sorted { $0.start < $1.start }
                let corrupt = sorted[2]
                let gone = sorted[1]
                let bytes = Data(repeating: 0x41, count: Int(corrupt.size))
                let forged = remote.scratch.appendingPathComponent("forged.mp4")
                try bytes.write(to: forged)
                // Streamed in, as protect-dl's own uploads are: S3 then keeps no MD5 of it.
                let forge = try await runProcess(
                    "/bin/sh", ["-c", "\"$0\" rcat \"$1\" < \"$2\"", remote.testCase.rclone,
                        remote.dest + "/" + corrupt.path, forged.path], environment: remote.environment)
                #expect(forge.status == 0, "\(forge.stderr)")
                #expect(try await remote.rclone(["deletefile", remote.dest + "/" + gone.path]).status == 0)
                let quickBad = try await remote.protectDL(["verify", "--dest", remote.dest])
                #expect(quickBad.status == 10)
                #expect(quickBad.stdout.contains("missing  \(gone.path)"), "\(quickBad.stdout)")
                // Only SFTP has a hash of its own in a listing (S3 has none for streamed objects): there the quick
                // pass sees the forgery too.
                #expect(quickBad.stdout.contains("altered  \(corrupt.path)") == (testCase.kind == .sftp))
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
