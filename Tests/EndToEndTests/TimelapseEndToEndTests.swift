import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl timelapse: hours of the archive in a minute")
struct TimelapseEndToEndTests {
    @Test("Two hours at 120x last exactly a minute, show the clock moving at that speed, and draw the time in")
    func twoHoursAt120x() async throws {
        try await Scenario.with(clipConsole(cameras: 1), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let camera = (await s.simulator.cameras())[0]
            let (first, second) = try s.archivedBoundary(camera: camera.id)
            let out = s.destination.appendingPathComponent("../timelapse-\(UUID()).mp4").standardizedFileURL
            let plain = out.deletingPathExtension().appendingPathExtension("plain.mp4")
            defer {
                try? FileManager.default.removeItem(at: out)
                try? FileManager.default.removeItem(at: plain)
            }
            let arguments = [
                "timelapse", "--dest", s.destination.path, "--camera", camera.name, "--from", iso(first.start), "--to",
                iso(second.end), "--speed", "120x",
            ]
            let run = try await s.run(arguments + ["--out", plain.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("100%"), "\(run.stderr)")
            let probe = try await ClipProbe.of(plain.path)
            #expect(probe.codecs == ["h264"])
            #expect(abs(probe.duration - 60) <= 0.04 + 0.0001, "\(probe.duration)")
            #expect(probe.packets.count == 1500)
            // The console's own clock in the picture moves 120 s a second (key frames every 5 s of it).
            for seconds in [0.5, 29.5, 59.5] {
                let frame = try await Probe.frame(plain.path, at: seconds)
                let shownAt = first.start + Int64(seconds * 120_000)
                let candidates = (0...7).map { s.clockText(shownAt - Int64($0) * 1000) }
                // Re-encoded: a glyph may blur past reading (`?`), never read as another.
                let read = frame.time()
                let matches = candidates.contains { candidate in
                    zip(candidate, read).allSatisfy { $0 == $1 || $1 == "?" } && read.filter { $0 == "?" }.count <= 1
                }
                #expect(matches, "at \(seconds) s: \(read), \(candidates)")
            }

            let burned = try await s.run(arguments + ["--out", out.path, "--burn-in"])
            #expect(burned.status == 0, "\(burned.stderr)")
            // The drawn line darkens a box at the bottom left and lights its letters; the plain picture is flat there.
            for (path, drawn) in [(plain.path, false), (out.path, true)] {
                let frame = try await Probe.frame(path, at: 10)
                let row = frame.height - frame.height / 40 - 4
                let band = (frame.width / 40..<frame.width / 3).map { frame.luma[row * frame.width + $0] }
                let spread = Int(band.max() ?? 0) - Int(band.min() ?? 0)
                #expect((spread > 100) == drawn, "\(path): \(spread)")
            }
        }
    }
}
