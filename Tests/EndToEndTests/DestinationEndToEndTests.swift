import Foundation
import ProtectArchive
import TestSupport
import Testing

/// The destination is the truth and the state its index: files gone from it are noticed and fetched again, and a
/// state that belongs to another destination says so.
@Suite("Files gone from the destination, and a state that belongs elsewhere")
struct DestinationEndToEndTests {
    @Test("sync fetches again a file deleted from a local archive; verify's finding shows in status as missing")
    func goneLocally() async throws {
        try await Scenario.with(syncConsole(), frozen: true) { s in
            let first = try await Binary.run(s.sync())
            #expect(first.status == 0, "\(first.stderr)")
            let records = try s.state().segments(status: .complete).sorted { $0.start < $1.start }
            try #require(records.count >= 4)
            let victim = records[1]
            let victimURL = s.destination.appendingPathComponent(victim.path)
            try FileManager.default.removeItem(at: victimURL)

            // verify reports it (exit 10), and status then shows that hour as missing, in text and JSON.
            let verify = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(verify.status == 10, "\(verify.stdout)")
            let json = try await Binary.run(["status", "--dest", s.destination.path, "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let picture = try JSONDecoder().decode(ArchiveStatus.self, from: Data(json.stdout.utf8))
            let hour = picture.cameras.flatMap(\.hours).first { $0.path == victim.path }
            #expect(hour?.state == .missing, "\(String(describing: hour))")
            #expect(hour?.note?.contains("found by verify") == true)
            #expect(picture.totals["missing"] == 1)
            // A second verify still finds it missing.
            #expect(try await Binary.run(["verify", "--dest", s.destination.path]).status == 10)

            // The next sync (one stat per complete file) downloads it again while the console has it.
            await s.simulator.state.resetStats()
            let second = try await Binary.run(s.sync())
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.lastLine.contains("sync: 1 downloaded"), "\(second.stdout)")
            #expect(await s.simulator.state.currentStats().exports == 1)
            #expect(try await s.segmentMatchesConsole(victim))
            #expect(try s.stateMatchesDisk())

            // Deleted without a verify: sync alone notices it, says so, fetches it again, and tells the owner once.
            try FileManager.default.removeItem(at: s.destination.appendingPathComponent(records[2].path))
            let (third, heard) = try await AlertReceiver.with { receiver in
                (try await Binary.run(s.sync(["--webhook", receiver.url + "/hook"])), receiver.events)
            }
            #expect(heard == ["files-refetched notice"], "\(heard)")
            #expect(third.status == 0, "\(third.stderr)")
            #expect(
                third.lastLine.contains("1 gone from the destination (1 fetched again, 0 no longer on the console)"),
                "\(third.stdout)")
            #expect(third.lastLine.contains("sync: 1 downloaded"), "\(third.stdout)")
            #expect(try await s.segmentMatchesConsole(records[2]))
            let fourth = try await Binary.run(s.sync())
            #expect(fourth.lastLine.contains("sync: 0 downloaded") && !fourth.lastLine.contains("gone"))
            #expect(try await Binary.run(["verify", "--dest", s.destination.path]).status == 0)
        }
    }
}

/// Remote tests in a second line of their own, beside `RemoteEndToEndTests`: in one line they were the whole run's
/// longest path (330 s). Each test starts its own servers; each suite runs one test at a time, as several loopback S3
/// and SSH servers at once would crowd two cores.
@Suite("Remote destinations through rclone: lost files, a hung rclone, streamed uploads", .serialized)
struct RemoteRecoveryEndToEndTests {}

extension RemoteRecoveryEndToEndTests {
    @Test(
        "A remote file deleted is fetched again; a remote emptied or re-pointed is refused with exit 18",
        arguments: RemoteCase.all)
    func destinationTruth(testCase: RemoteCase) async throws {
        try await RemoteServer.with(testCase) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let first = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(first.status == 0, "\(first.stderr)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let records = try state.segments(status: .complete).sorted { $0.start < $1.start }
                try #require(records.count == 3)
                let id = try #require(try state.meta(SyncJob.archiveIDKey))
                let marker = remote.dest + "/" + RemoteStore.archiveMarkerPrefix + id
                #expect(try await remote.rclone(["lsjson", "--stat", marker]).status == 0, "the root is marked")

                // One object deleted: the next sync (a first pass: it lists the remote) uploads it again.
                #expect(try await remote.rclone(["deletefile", remote.dest + "/" + records[1].path]).status == 0)
                let second = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(second.status == 0, "\(second.stderr)")
                #expect(
                    second.lastLine.contains("sync: 1 downloaded")
                        && second.lastLine.contains("1 gone from the destination"), "\(second.stdout)")
                #expect(try await remote.files()[records[1].path] == records[1].size)

                // The remote emptied (or pointed at a new bucket under the same name): no claim of completeness.
                #expect(try await remote.rclone(["delete", remote.dest]).status == 0)
                let emptied = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(emptied.status == 18, "\(emptied.stdout)\(emptied.stderr)")
                #expect(
                    emptied.stderr.contains("belongs to archive \(id)")
                        && emptied.stderr.contains("holds no protect-dl archive"), "\(emptied.stderr)")
                #expect(try await remote.files().isEmpty, "nothing uploaded to the wrong place")
                let verify = try await remote.protectDL(["verify", "--dest", remote.dest])
                #expect(verify.status == 18, "\(verify.stdout)\(verify.stderr)")

                // Another archive's mark: named in the sentence.
                #expect(
                    try await remote.rclone(["touch", remote.dest + "/" + RemoteStore.archiveMarkerPrefix + "other"])
                        .status == 0)
                let other = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(other.status == 18 && other.stderr.contains("holds archive other"), "\(other.stderr)")
            }
        }
    }
}
