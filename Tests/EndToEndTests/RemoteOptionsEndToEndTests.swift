import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension RemoteRecoveryEndToEndTests {
    @Test(
        "An rclone that stops answering is stopped after --rclone-timeout: one sentence, exit 24, nothing at the final name",
        arguments: [RemoteCase(kind: .s3, version: "1.60"), RemoteCase(kind: .sftp, version: "1.75")])
    func hungRclone(testCase: RemoteCase) async throws {
        var configuration = Scenario.throttled(bytesPerSecond: 900_000)
        configuration.cameras.count = 1
        configuration.cameras.historyHours = 4
        try await RemoteServer.with(testCase) { [configuration] remote in
            try await Scenario.with(configuration, frozen: true) { s in
                var environment = remote.environment.compactMapValues { $0 }
                environment["PROTECT_DL_PASSWORD"] = "protect"
                let arguments =
                    s.remoteDownload(remote.dest, ["--retries", "0", "--rclone-timeout", "2"]) + remote.remoteOptions()
                let run = try Daemon(try Binary.path("protect-dl"), arguments, environment: environment)
                let daemon = try await waitForChild(of: run.process.processIdentifier)
                // Two seconds into the export: the daemon (started with the upload) listens by then.
                try await eventually("two seconds' worth of the export streamed") {
                    await s.simulator.state.currentStats().bytesServed >= 1_800_000
                }
                // Stopped, not killed: its socket still accepts connections, but nothing answers them.
                kill(daemon, SIGSTOP)
                let began = ContinuousClock.now
                try await waitForExit(run.process, timeout: 60)
                #expect(ContinuousClock.now - began < .seconds(40))
                #expect(run.process.terminationStatus == 24, "\(run.stderr)")
                #expect(run.stderr.contains("rclone did not answer within 2 s"), "\(run.stderr)")
                try await eventually("the hung rclone killed", timeout: .seconds(10)) { isGone(daemon) }
                #expect(try await remote.files().keys.allSatisfy { $0.contains(".partial-") })
            }
        }
    }
}

extension RemoteRecoveryEndToEndTests {
    @Test(
        "--stream-uploads: a console fault mid-stream leaves nothing; a whole file is stored, checked and recorded",
        arguments: [RemoteCase(kind: .s3, version: "1.75"), RemoteCase(kind: .sftp, version: "1.60")])
    func streamedUploads(testCase: RemoteCase) async throws {
        try await RemoteServer.with(testCase) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                var faults = FaultSettings()
                faults.resetAfterBytes = 2_500_000
                faults.resetCount = 1
                await s.simulator.state.setFaults(faults)
                let cut = try await remote.protectDL(
                    s.remoteDownload(remote.dest, ["--retries", "0", "--stream-uploads"]))
                #expect(cut.status == 5, "\(cut.stderr)")
                #expect(try await remote.files().isEmpty)

                let whole = try await remote.protectDL(s.remoteDownload(remote.dest, ["--stream-uploads"]))
                #expect(whole.status == 0, "\(whole.stderr)")
                let files = try await remote.files()
                #expect(files.count == 1)
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let record = try #require(try state.remoteFiles(status: .uploaded).first)
                #expect(Array(files.keys) == [record.path])
                try await remote.copy(to: s.destination)
                #expect(try FileHash.sha256(of: s.destination.appendingPathComponent(record.path)).hex == record.sha256)
                // Streamed, the file went up to S3 as a multipart upload of unknown size, which keeps no MD5 (from
                // the spool it gets one); SFTP computes its SHA-1 either way, and it matched protect-dl's.
                if testCase.kind == .s3 {
                    #expect(record.remoteHash == nil)
                } else {
                    let sum = try await runProcess(
                        "/usr/bin/sha1sum", [s.destination.appendingPathComponent(record.path).path])
                    #expect(record.remoteHash == "sha1:" + sum.stdout.prefix(40))
                }
            }
        }
    }

    @Test(
        "An SFTP server whose sha1sum fails: the file stands on its size, and the SHA-1 taken is kept for verify"
    )
    func failingHashCommand() async throws {
        try await RemoteServer.with(RemoteCase(kind: .sftp, version: "1.75")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                var failing = remote
                failing.environment["RCLONE_CONFIG_OSSH_SHA1SUM_COMMAND"] = "false"
                let run = try await failing.protectDL(s.remoteSync(remote.dest))
                #expect(run.status == 0, "\(run.stderr)")
                #expect(run.stderr.contains("gave no SHA-1"), "\(run.stderr)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let rows = try state.remoteFiles(status: .uploaded)
                #expect(rows.count == 3)
                try await remote.copy(to: s.destination)
                for row in rows {
                    let sum = try await runProcess(
                        "/usr/bin/sha1sum", [s.destination.appendingPathComponent(row.path).path])
                    #expect(row.remoteHash == "sha1:" + sum.stdout.prefix(40), "\(row.path)")
                }
                // With the server's sha1sum working again, verify compares each file's with the one kept.
                let verify = try await remote.protectDL(["verify", "--dest", remote.dest])
                #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
                #expect(verify.stdout.contains("3 files checked, 0 missing, 0 altered"), "\(verify.stdout)")
            }
        }
    }
}
