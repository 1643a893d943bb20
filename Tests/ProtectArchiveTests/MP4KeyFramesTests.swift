import Foundation
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("Key frames read from an MP4's index, as ffprobe reads them from the packets")
struct MP4KeyFramesTests {
    /// ffprobe's presentation times of the first video stream's key frames.
    func probedKeyFrames(_ path: String) async throws -> [Double] {
        let run = try await runProcess(
            try ffprobeExecutable(),
            [
                "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0",
                path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ",")
            return fields.count >= 2 && fields[1].contains("K") ? Double(fields[0]) : nil
        }
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("keyframes-\(UUID())-\(name)").path
    }

    func expectSame(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let probed = try await probedKeyFrames(path)
        let read = try #require(MP4KeyFrames.read(path: path), sourceLocation: sourceLocation)
        #expect(probed.count >= 2, sourceLocation: sourceLocation)
        #expect(read.times.count == probed.count, "\(read.times) vs \(probed)", sourceLocation: sourceLocation)
        for (ours, theirs) in zip(read.times, probed) {
            #expect(abs(ours - theirs) < 0.0005, "\(read.times) vs \(probed)", sourceLocation: sourceLocation)
        }
    }

    @Test("A real console's MP4 (composition offsets, an edit list) and the simulator's")
    func consoleAndSimulator() async throws {
        try await expectSame(SharedFixtures.folder.appendingPathComponent("sample_camera_video.mp4").path)
        let movie = ExportMovie(
            identity: "keys", width: 160, height: 90, framesPerSecond: 5, bitsPerSecond: 32_000,
            durationMilliseconds: 120_000, creationTime: 0)
        let path = temporary("sim.mp4")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(movie.bytes()).write(to: URL(fileURLWithPath: path))
        try await expectSame(path)
        let frames = try #require(MP4KeyFrames.read(path: path))
        #expect(frames.latest(atOrBefore: 12.0) == 10.0)
        #expect(frames.latest(atOrBefore: 10.0) == 10.0)
        #expect(frames.latest(atOrBefore: -1) == nil)
    }

    @Test("B-frames and an edit list from x264; a fragmented MP4 is left to ffprobe, with the same answer")
    func encodedAndFragmented() async throws {
        let plain = temporary("x264.mp4")
        let fragmented = temporary("fragmented.mp4")
        defer { for path in [plain, fragmented] { try? FileManager.default.removeItem(atPath: path) } }
        let encoded = try await runProcess(
            try ffmpegExecutable(),
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=12:size=160x90:rate=10", "-c:v", "libx264",
                "-g", "25", "-bf", "2", "-keyint_min", "25", "-sc_threshold", "0", plain,
            ])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        try await expectSame(plain)
        let copied = try await runProcess(
            try ffmpegExecutable(),
            ["-v", "error", "-i", plain, "-c", "copy", "-movflags", "frag_keyframe+empty_moov", fragmented])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(MP4KeyFrames.read(path: fragmented) == nil, "a fragmented file's index has no samples")
        let ffmpeg = FFmpeg(ffmpeg: try ffmpegExecutable(), ffprobe: try ffprobeExecutable())
        // Each answer is the file's own last key frame at or before 7 s (without its edit list the fragmented
        // copy's times are later by x264's B-frame delay).
        let fromIndex = try await ffmpeg.keyframe(atOrBefore: 7, in: plain)
        let fromPackets = try await ffmpeg.keyframe(atOrBefore: 7, in: fragmented)
        #expect(fromIndex == (try await probedKeyFrames(plain)).filter { $0 <= 7 }.max())
        #expect(fromPackets == (try await probedKeyFrames(fragmented)).filter { $0 <= 7 }.max())
        #expect(fromIndex > 4 && fromPackets > 4, "\(fromIndex), \(fromPackets)")
    }

    @Test("A damaged index (any byte set to 0 or 255, or cut anywhere) gives an answer or nil, never a trap")
    func damagedIndexes() throws {
        let moov = try MP4Check.index(
            path: SharedFixtures.folder.appendingPathComponent("sample_camera_video.mp4").path)
        #expect(MP4KeyFrames(moov: moov)?.times.count == 3)
        var answered = 0
        for position in stride(from: 0, to: moov.count, by: 3) {
            for value: UInt8 in [0, 0xFF] {
                var damaged = moov
                damaged[position] = value
                if MP4KeyFrames(moov: damaged) != nil { answered += 1 }
            }
            if MP4KeyFrames(moov: Array(moov.prefix(position))) != nil { answered += 1 }
        }
        // Most single bytes are sample sizes or chunk offsets, which the key frames do not depend on.
        #expect(answered > 0)
        // An edit that enters the media elsewhere than at the first sample's presentation is left to ffprobe.
        let list = try #require(moov.indices.dropLast(4).first { moov[$0..<$0 + 4].elementsEqual("elst".utf8) })
        var moved = moov
        moved[list + 4 + 8 + 4 + 3] &+= 1  // the first edit's media time (version 0), lowest byte
        #expect(MP4KeyFrames(moov: moved) == nil)
    }
}
