import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

extension RemoteRecoveryEndToEndTests {
    @Test(
        "A first sync asks the console while the remote is checked and listed, and sends nothing before the listing proved the archive"
    )
    func firstSyncWaitsForItsListing() async throws {
        try await RemoteServer.with(RemoteCase(kind: .sftp, version: "1.75")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let folder = try #require(remote.folder)
                let frozen = try #require(s.frozen)
                // A sync with no hour to download marks the archive: the state has its id and no complete file, so
                // the next sync is a first one (nothing recorded can be gone) and lists the remote beside its
                // downloads.
                let marking = try await remote.protectDL(
                    ["sync", "--dest", remote.dest, "--since", iso(frozen)] + connection(s) + s.nowArguments)
                #expect(marking.status == 0, "\(marking.stderr)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let id = try #require(try state.meta(SyncJob.archiveIDKey))
                #expect(try state.segments(status: .complete).isEmpty)

                // The remote now holds someone else's files in many folders: its listing takes a while, and shows no
                // mark of this archive.
                try FileManager.default.removeItem(at: folder)
                for index in 0..<3000 {
                    let sub = folder.appendingPathComponent("other/\(index)")
                    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
                    #expect(FileManager.default.createFile(atPath: sub.appendingPathComponent("f").path, contents: nil))
                }
                let exportsBefore = await s.simulator.state.currentStats().requestsByEndpoint["export", default: 0]
                let sync = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(sync.status == 18, "\(sync.stdout)\(sync.stderr)")
                #expect(
                    sync.stderr.contains("belongs to archive \(id)")
                        && sync.stderr.contains("holds no protect-dl archive"), "\(sync.stderr)")
                // The console was asked for footage meanwhile, but nothing reached the remote, not even a folder
                // (rclone makes a file's folders as it starts sending it, and a failed upload's cleaning leaves them).
                let exports = await s.simulator.state.currentStats().requestsByEndpoint["export", default: 0]
                #expect(exports > exportsBefore, "the downloads began beside the listing")
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["other"])
                #expect(try state.remoteFiles(status: .uploading).isEmpty)

                // Refused credentials found while the console answers: still their one sentence and exit code.
                var wrongKey = remote
                wrongKey.environment["RCLONE_CONFIG_OSSH_KEY_FILE"] =
                    remote.scratch.appendingPathComponent("ssh/host").path
                let refused = try await wrongKey.protectDL(s.remoteSync(remote.dest))
                #expect(refused.status == 16, "\(refused.stderr)")
                #expect(errorLines(refused.stderr).count == 1, "\(refused.stderr)")
            }
        }
    }
}

extension RemoteRecoveryEndToEndTests {
    @Test("Ctrl-C mid-upload: exit 130, no word of the cleaning it leaves to the next run, which finishes the archive")
    func interruptedUpload() async throws {
        try await RemoteServer.with(RemoteCase(kind: .sftp, version: "1.75")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let folder = try #require(remote.folder)
                var environment = remote.environment.compactMapValues { $0 }
                environment["PROTECT_DL_PASSWORD"] = "protect"
                // rclone sends slowly, so an upload is surely under its temporary name when the signal comes.
                let run = try Daemon(
                    try Binary.path("protect-dl"),
                    s.remoteSync(remote.dest, ["--bwlimit", "64k"]) + remote.remoteOptions(), environment: environment)
                try await eventually("an upload under its temporary name") {
                    let names = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
                    return names.contains { $0.contains(".partial-") }
                }
                let stopped = try await run.stop(SIGINT)
                #expect(stopped.status == 130, "\(run.stderr)")
                // The unfinished upload is journaled; cleaning it is the next run's work, and says nothing of a
                // cancelled task.
                #expect(errorLines(run.stderr).isEmpty, "\(run.stderr)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                #expect(try !state.remoteFiles(status: .uploading).isEmpty)

                let next = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(next.status == 0, "\(next.stderr)")
                let files = try await remote.files()
                #expect(!files.isEmpty && files.keys.allSatisfy { !$0.contains(".partial-") }, "\(files)")
                #expect(try state.remoteFiles(status: .uploading).isEmpty)
                #expect(Set(try state.remoteFiles(status: .uploaded).map(\.path)) == Set(files.keys))
            }
        }
    }
}

extension RemoteRecoveryEndToEndTests {
    @Test(
        "A full disk under the upload spool is said once; the uploads stream instead and every file reaches the remote",
        .enabled(if: tmpfsPermitted, "mounting a tmpfs needs root; this machine does not permit it"))
    func fullSpool() async throws {
        try await RemoteServer.with(RemoteCase(kind: .sftp, version: "1.60")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                // The state (and its spool) on a disk with room for the database, not for one hour of video.
                let stateFolder = remote.scratch.appendingPathComponent("small")
                try await mountFolder(stateFolder.path, "-t tmpfs -o size=2m tmpfs")
                defer { unmount(stateFolder.path) }
                let sync = try await remote.protectDL(s.remoteSync(remote.dest), state: "small")
                #expect(sync.status == 0, "\(sync.stderr)")
                let warnings = sync.stderr.split(separator: "\n").filter { $0.contains("upload spool") }
                #expect(warnings.count == 1, "\(sync.stderr)")
                #expect(warnings.first?.contains("No space left on device") == true, "\(sync.stderr)")
                let files = try await remote.files()
                let state = try ArchiveState(destination: stateFolder, create: false, exclusive: false)
                let uploaded = try state.remoteFiles(status: .uploaded)
                #expect(!files.isEmpty && Set(uploaded.map(\.path)) == Set(files.keys), "\(files)")
                #expect(uploaded.allSatisfy { files[$0.path] == $0.size }, "\(uploaded)")
                #expect(try state.remoteFiles(status: .uploading).isEmpty)
            }
        }
    }
}
