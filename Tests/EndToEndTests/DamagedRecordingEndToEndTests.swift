import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// A damaged recording on the console's disk: its export ends at the same byte on every attempt.
@Suite("A damaged recording is kept short, recorded, shown, and not asked again")
struct DamagedRecordingEndToEndTests {
    @Test("Every export of one hour ends at the same byte: kept as .short.mp4, status shows it, a later sync leaves it")
    func damagedRecording() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let camera = try #require(await s.simulator.cameras().first)
            let frozen = try #require(s.frozen)
            var faults = FaultSettings()
            faults.damagedCamera = camera.id
            faults.damagedAt = frozen - 2 * 3_600_000
            faults.damagedAfterBytes = 20_000
            await s.simulator.state.setFaults(faults)

            let (first, heard) = try await AlertReceiver.with { receiver in
                (try await Binary.run(s.sync(["--webhook", receiver.url + "/hook"])), receiver.events)
            }
            #expect(heard == ["recording-damaged notice"], "the owner hears of it once: \(heard)")
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.lastLine.contains("1 damaged on the console (kept short)"), "\(first.stdout)")
            #expect(first.stderr.contains("short "), "\(first.stderr)")
            let shorts = try s.state().segments(status: .short)
            let short = try #require(shorts.first)
            #expect(shorts.count == 1)
            #expect(short.start <= frozen - 2 * 3_600_000 && frozen - 2 * 3_600_000 < short.end)
            #expect(short.path.hasSuffix(".short.mp4") && short.size == 20_000, "\(short)")
            #expect(short.lastReason?.contains("at byte 20000") == true, "\(String(describing: short.lastReason))")
            let kept = s.destination.appendingPathComponent(short.path)
            let size = try FileManager.default.attributesOfItem(atPath: kept.path)[.size] as? NSNumber
            #expect(size?.int64Value == 20_000, "what the console sent is kept under the short name")
            // The bytes as sent: cut before the index (moov), ffprobe refuses them, as the README says.
            #expect(try await ffprobe(kept.path) == nil)
            let hourName = String(short.path.dropLast(".short.mp4".count)) + ".mp4"
            #expect(!FileManager.default.fileExists(atPath: s.destination.appendingPathComponent(hourName).path))
            #expect(
                !FileManager.default.fileExists(atPath: s.destination.appendingPathComponent(hourName).path + ".part"))
            #expect(try s.state().segments(status: .complete).count >= 3, "the other hours are whole")

            // status shows it, as text and JSON.
            let text = try await Binary.run(["status", "--dest", s.destination.path])
            #expect(text.status == 0 && text.stdout.contains("1 short"), "\(text.stdout)")
            let json = try await Binary.run(["status", "--dest", s.destination.path, "--json"])
            let picture = try JSONDecoder().decode(ArchiveStatus.self, from: Data(json.stdout.utf8))
            let hour = picture.cameras.flatMap(\.hours).first { $0.path == short.path }
            #expect(hour?.state == .short && hour?.size == 20_000, "\(String(describing: hour))")
            #expect(picture.totals["short"] == 1)

            // A later sync leaves it: the console is not asked again.
            await s.simulator.state.resetStats()
            let second = try await Binary.run(s.sync())
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.lastLine.contains("sync: 0 downloaded") && !second.lastLine.contains("damaged"))
            #expect(await s.simulator.state.currentStats().exports == 0)
            #expect(try s.state().segments(status: .short).count == 1)
        }
    }

    @Test("On an rclone remote (S3, moto): kept as .short.mp4 there, recorded short, not asked again")
    func damagedRecordingOnRemote() async throws {
        try await RemoteServer.with(RemoteCase(kind: .s3, version: "1.75")) { remote in
            try await Scenario.with(remoteConsole(), frozen: true) { s in
                let camera = try #require(await s.simulator.cameras().first)
                let frozen = try #require(s.frozen)
                var faults = FaultSettings()
                faults.damagedCamera = camera.id
                faults.damagedAt = frozen - 2 * 3_600_000
                faults.damagedAfterBytes = 20_000
                await s.simulator.state.setFaults(faults)
                let (first, heard) = try await AlertReceiver.with { receiver in
                    (
                        try await remote.protectDL(s.remoteSync(remote.dest, ["--webhook", receiver.url + "/hook"])),
                        receiver.events
                    )
                }
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                #expect(heard == ["recording-damaged notice"], "\(heard)")
                #expect(first.lastLine.contains("1 damaged on the console (kept short)"), "\(first.stdout)")
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let short = try #require(try state.segments(status: .short).first)
                #expect(short.path.hasSuffix(".short.mp4") && short.size == 20_000, "\(short)")
                let files = try await remote.files()
                #expect(files[short.path] == 20_000, "\(files)")
                let hourName = String(short.path.dropLast(".short.mp4".count)) + ".mp4"
                #expect(files[hourName] == nil, "never at the hour's name: \(files)")
                #expect(try state.segments(status: .complete).count == 2, "the other hours are whole")
                // Byte for byte what the console sent before it broke off.
                try await remote.copy(to: s.destination)
                let kept = try Data(contentsOf: s.destination.appendingPathComponent(short.path))
                let whole = try #require(
                    s.simulator.expectedExport(
                        camera: camera, channel: 0, start: short.start, end: short.end - 1, now: frozen))
                var chunks = whole.chunks()
                var expected = Data()
                while expected.count < 20_000, let chunk = chunks.next() {
                    expected.append(contentsOf: chunk.readableBytesView)
                }
                #expect(kept == expected.prefix(20_000))

                // A later pass leaves it: the console is not asked again.
                await s.simulator.state.resetStats()
                let second = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(second.status == 0, "\(second.stderr)")
                #expect(second.lastLine.contains("sync: 0 downloaded"), "\(second.stdout)")
                #expect(await s.simulator.state.currentStats().exports == 0)
            }
        }
    }
}
