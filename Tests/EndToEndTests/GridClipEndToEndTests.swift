import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

extension OverlayReader {
    /// The picture of one tile of a grid (`left`, `top`, `width` × `height`), to read its burned-in text.
    func tile(left: Int, top: Int, width: Int, height: Int) -> OverlayReader {
        var cropped: [UInt8] = []
        cropped.reserveCapacity(width * height)
        for row in top..<(top + height) {
            cropped += luma[(row * self.width + left)..<(row * self.width + left + width)]
        }
        return OverlayReader(width: width, height: height, luma: cropped)
    }

    /// Whether the picture's middle row is all but black (a tile with no footage, whose words are in grey).
    var darkMostly: Bool {
        let values = luma[(height / 4 * width)..<(height / 4 * width + width)]
        return values.filter { $0 < 40 }.count > width * 9 / 10
    }
}

/// Whether `read` is `expected` with at most one glyph blurred past reading (a re-encoded picture).
func readsAs(_ read: String, _ expected: String) -> Bool {
    read.count == expected.count && zip(expected, read).allSatisfy { $0 == $1 || $1 == "?" }
        && read.filter { $0 == "?" }.count <= 1
}

@Suite("protect-dl clip --grid: several cameras side by side at one moment")
struct GridClipEndToEndTests {
    @Test("Two cameras across an hour boundary, one without footage before it: one video, in sync, a black tile")
    func twoCamerasInSync() async throws {
        // The second camera records nothing before the boundary of the last two whole hours (the frozen console
        // stands at half past an hour; those hours end one and two hours before the hour it is in).
        let hour = Int64(Date().timeIntervalSince1970 * 1000) / 3_600_000 * 3_600_000
        var configuration = clipConsole()
        configuration.gaps = [.init(cameraIndex: 1, start: 0, end: hour - 2 * 3_600_000)]
        try await Scenario.with(configuration, frozen: true) { s in
            try #require(s.frozen == hour - 1_800_000, "the hour turned while the test started")
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let cameras = await s.simulator.cameras()
            let (_, second) = try s.archivedBoundary(camera: cameras[0].id)
            #expect(second.start == hour - 2 * 3_600_000)
            let boundary = second.start
            let from = boundary - 20_000
            let to = boundary + 20_000
            let out = s.destination.appendingPathComponent("../grid-\(UUID()).mp4").standardizedFileURL
            defer { try? FileManager.default.removeItem(at: out) }
            let run = try await s.run(
                [
                    "clip", "--grid", "--dest", s.destination.path, "--camera", cameras[0].name, "--camera",
                    cameras[1].name, "--from", iso(from), "--to", iso(to), "--out", out.path,
                ])
            #expect(run.status == 0, "\(run.stderr)")
            // Not a terminal: the progress bar's line at each tenth (ffmpeg reports twice a second), ending whole.
            let bars = run.stderr.split(separator: "\n").filter { $0.hasPrefix("grid [") }
            #expect(bars.last == "grid [####################] 100%", "\(run.stderr)")
            #expect(run.stdout.contains("640x180"), "\(run.stdout)")
            #expect(run.stdout.contains("\(cameras[1].name): from 1 archive file; no footage for"), "\(run.stdout)")

            // One H.264 stream, the two 320x180 pictures side by side, exactly the 40 asked seconds (1 fps).
            let probe = try await ClipProbe.of(out.path)
            #expect(probe.codecs == ["h264"], "\(probe.codecs)")
            #expect(abs(probe.duration - 40) <= 1.001, "\(probe.duration)")
            #expect(probe.packets.count == 40)
            let size = try await Probe.of(out.path)
            #expect(size.width == 640 && size.height == 180)
            #expect(probe.tags["creation_time"]?.hasPrefix(String(TimeFormatting.iso(from).prefix(19))) == true)

            // Before the boundary: the first camera's clock at the asked moment, the second's tile black.
            for offset in [0, 5, 19] {
                let frame = try await Probe.frame(out.path, at: Double(offset))
                let left = frame.tile(left: 0, top: 0, width: 320, height: 180)
                let right = frame.tile(left: 320, top: 0, width: 320, height: 180)
                let expected = s.clockText(from + Int64(offset) * 1000)
                #expect(readsAs(left.time(), expected), "at \(offset) s: \(left.time()), not \(expected)")
                let dark = right.darkMostly
                #expect(dark, "at \(offset) s the second camera's tile shows a picture")
                // Its middle says "no footage" in grey; each tile's name is drawn white on black at its bottom left.
                let middle = right.luma[(right.height / 2 * 320)..<(right.height / 2 * 320 + 320)]
                #expect(middle.contains { $0 > 80 }, "at \(offset) s no words on the empty tile")
                for tile in [left, right] {
                    let row = tile.height - tile.height / 40 - 6
                    let band = (tile.width / 40..<tile.width / 3).map { tile.luma[row * tile.width + $0] }
                    #expect(Int(band.max() ?? 0) - Int(band.min() ?? 0) > 100, "at \(offset) s no label")
                }
            }
            // After it: both cameras' own clocks read the same second, the one the grid is at.
            for offset in [20, 27, 39] {
                let frame = try await Probe.frame(out.path, at: Double(offset))
                let expected = s.clockText(from + Int64(offset) * 1000)
                for left in [0, 320] {
                    let read = frame.tile(left: left, top: 0, width: 320, height: 180).time()
                    #expect(readsAs(read, expected), "at \(offset) s, tile at \(left): \(read), not \(expected)")
                }
            }

            // A range neither chosen camera has footage for is the missing-footage failure, and nothing is made.
            let none = out.deletingPathExtension().appendingPathExtension("none.mp4")
            let missing = try await s.run(
                [
                    "clip", "--grid", "--dest", s.destination.path, "--camera", cameras[1].name, "--from",
                    iso(boundary - 600_000), "--to", iso(boundary - 60_000), "--out", none.path,
                ])
            #expect(missing.status == 23, "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: none.path))
        }
    }
}
