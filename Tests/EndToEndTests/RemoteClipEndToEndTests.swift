import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl clip from a remote archive (S3 through rclone)")
struct RemoteClipEndToEndTests {
    @Test("A clip across an hour boundary of an archive on S3: the two hour files fetched, joined as from a folder")
    func clipFromS3() async throws {
        try await RemoteServer.with(RemoteCase(kind: .s3, version: "1.60")) { remote in
            try await Scenario.with(clipConsole(cameras: 1), frozen: true) { s in
                let synced = try await remote.protectDL(s.remoteSync(remote.dest))
                #expect(synced.status == 0, "\(synced.stderr)")
                let camera = (await s.simulator.cameras())[0]
                let state = try ArchiveState(
                    destination: remote.scratch.appendingPathComponent("state"), create: false, exclusive: false)
                let hours = try state.segments(cameraID: camera.id, stream: "0").values.filter {
                    $0.status == .complete
                }
                .sorted { $0.start < $1.start }
                let pair = try #require(Array(zip(hours, hours.dropFirst())).last { $0.end == $1.start })
                let boundary = pair.1.start
                // 10 s before the hour is a key frame (one every 5 s from the hour's start): the clip starts there.
                let from = boundary - 10_000
                let to = boundary + 10_000
                let out = remote.scratch.appendingPathComponent("clip.mp4")
                let clip = try await remote.protectDL(
                    [
                        "clip", "--dest", remote.dest, "--camera", camera.name, "--from", iso(from), "--to", iso(to),
                        "--out", out.path,
                    ])
                #expect(clip.status == 0, "\(clip.stderr)")
                #expect(clip.stdout.contains("from 2 archive files"), "\(clip.stdout)")
                let probe = try await ClipProbe.of(out.path)
                #expect(probe.packets.count == 20, "\(probe.packets.count)")
                #expect(probe.steadilySpaced(by: 1))
                for offset in [0, 9, 10, 19] {
                    let frame = try await Probe.frame(out.path, at: Double(offset))
                    #expect(frame.time() == s.clockText(from + Int64(offset) * 1000), "at \(offset) s")
                }
                // The local archive folder was never asked for: the state is the remote's, kept under --state-dir.
                #expect(!FileManager.default.fileExists(atPath: s.destination.appendingPathComponent(pair.0.path).path))
            }
        }
    }
}
