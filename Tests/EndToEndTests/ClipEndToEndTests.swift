import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// A console whose pictures carry a readable clock: 320x180 at 1 fps (a key frame every 5 s), two whole hours and
/// the half hour before them.
func clipConsole(cameras: Int = 2) -> SimulatorConfiguration {
    .small(.unifiOS, cameras: cameras, bitrate: 24_000, framesPerSecond: 1, width: 320, height: 180, historyHours: 3)
}

/// What ffprobe says of a clip: its tags, streams, and the video packets' times and key flags.
struct ClipProbe {
    var tags: [String: String]
    var duration: Double
    var codecs: [String]
    var packets: [(time: Double, key: Bool)]

    static func of(_ path: String) async throws -> ClipProbe {
        let object = try #require(try await ffprobe(path))
        let format = try #require(object["format"] as? [String: Any])
        let streams = (object["streams"] as? [[String: Any]]) ?? []
        let listed = try await runProcess(
            try ffprobeExecutable(),
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path])
        let packets = listed.stdout.split(whereSeparator: \.isNewline).compactMap { line -> (Double, Bool)? in
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let time = Double(fields[0]) else { return nil }
            return (time, fields[1].contains("K"))
        }
        return ClipProbe(
            tags: (format["tags"] as? [String: String]) ?? [:],
            duration: Double(format["duration"] as? String ?? "") ?? 0,
            codecs: streams.compactMap { $0["codec_name"] as? String }, packets: packets.map { ($0.0, $0.1) })
    }

    /// Times shown (packets not marked to be skipped are all shown here: 1 fps, no B-frames) step by exactly one
    /// frame: no gap, no repeated frame, always forward.
    func steadilySpaced(by step: Double) -> Bool {
        let times = packets.map(\.time).filter { $0 >= 0 }
        return zip(times, times.dropFirst()).allSatisfy { abs($1 - $0 - step) < 0.001 }
    }
}

extension Scenario {
    /// Runs protect-dl with `arguments` and extra environment (the console's password in it).
    func run(_ arguments: [String], environment: [String: String?] = [:]) async throws -> RunResult {
        try await runProcess(
            try Binary.path("protect-dl"), arguments,
            environment: environment.merging(["PROTECT_DL_PASSWORD": "protect"]) { first, _ in first }, timeout: 120)
    }

    /// The last two whole archived hours of `camera` that follow each other.
    func archivedBoundary(camera: String) throws -> (first: SegmentRecord, second: SegmentRecord) {
        let records = try state().segments(cameraID: camera, stream: "0").values.filter {
            $0.status == .complete && ($0.duration ?? 0) >= 3599
        }
        let sorted = records.sorted { $0.start < $1.start }
        let pair = Array(zip(sorted, sorted.dropFirst())).last { $0.end == $1.start }
        let found = try #require(pair, "two consecutive hours in \(sorted.map(\.start))")
        return found
    }

    /// The wall-clock second `milliseconds` as the simulator draws it.
    func clockText(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: SimulatorConfiguration().cameras.timeZone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

@Suite("protect-dl clip and playlist: one file for any moment, from the archive")
struct ClipEndToEndTests {
    @Test("A clip across an hour boundary is lossless, gapless, starts at the key frame and says when it starts")
    func clipAcrossHours() async throws {
        try await Scenario.with(clipConsole(), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let camera = (await s.simulator.cameras())[0]
            let (first, second) = try s.archivedBoundary(camera: camera.id)
            let boundary = second.start
            // 12 s before the hour is not a key frame (one every 5 s from the hour's start): the clip starts at 15 s.
            let from = boundary - 12_000
            let to = boundary + 20_000
            let out = s.destination.appendingPathComponent("../clip-\(UUID()).mp4").standardizedFileURL
            defer { try? FileManager.default.removeItem(at: out) }
            let clip = try await s.run(
                [
                    "clip", "--dest", s.destination.path, "--camera", camera.name, "--from", iso(from), "--to", iso(to),
                    "--out", out.path,
                ])
            #expect(clip.status == 0, "\(clip.stderr)")
            #expect(clip.stdout.contains("from 2 archive files"), "\(clip.stdout)")
            let probe = try await ClipProbe.of(out.path)
            #expect(abs(probe.duration - 35) < 1.001, "\(probe.duration)")
            #expect(probe.packets.count == 35)
            #expect(probe.packets.first?.key == true)
            #expect(probe.steadilySpaced(by: 1))
            #expect(probe.tags["title"] == camera.name)
            #expect(
                probe.tags["creation_time"]?.hasPrefix(String(TimeFormatting.iso(boundary - 15_000).prefix(19)))
                    == true,
                "\(probe.tags)")
            // The pictures: the key frame 15 s before the hour, the hour's first second, the last second asked.
            for (offset, shown) in [(0.0, boundary - 15_000), (15.0, boundary), (34.0, boundary + 19_000)] {
                let frame = try await Probe.frame(out.path, at: offset)
                #expect(frame.time() == s.clockText(shown), "at \(offset) s")
            }
            _ = first
            // Like a plain stream copy, the index comes after the footage (no second pass) unless --faststart.
            let boxes = topLevelBoxes(Array(try Data(contentsOf: out))).map(\.0)
            #expect((boxes.firstIndex(of: "mdat") ?? .max) < (boxes.firstIndex(of: "moov") ?? -1), "\(boxes)")

            // --exact: the picture starts at --from itself, nothing re-encoded (the same packets, an edit list).
            let exact = out.deletingPathExtension().appendingPathExtension("exact.mp4")
            defer { try? FileManager.default.removeItem(at: exact) }
            let exactRun = try await s.run(
                [
                    "clip", "--dest", s.destination.path, "--camera", camera.id, "--from", iso(from), "--to", iso(to),
                    "--out", exact.path, "--exact", "--subtitles", "--faststart",
                ])
            #expect(exactRun.status == 0, "\(exactRun.stderr)")
            let exactBoxes = topLevelBoxes(Array(try Data(contentsOf: exact))).map(\.0)
            #expect(
                (exactBoxes.firstIndex(of: "moov") ?? .max) < (exactBoxes.firstIndex(of: "mdat") ?? -1), "\(exactBoxes)"
            )
            let exactProbe = try await ClipProbe.of(exact.path)
            #expect(abs(exactProbe.duration - 32) < 1.001, "\(exactProbe.duration)")
            #expect(exactProbe.codecs.contains("mov_text"), "\(exactProbe.codecs)")
            #expect(exactProbe.tags["creation_time"]?.hasPrefix(String(TimeFormatting.iso(from).prefix(19))) == true)
            let firstFrame = try await Probe.frame(exact.path, at: 0)
            #expect(firstFrame.time() == s.clockText(from))
            let subtitles = try await runProcess(
                try ffmpegExecutable(), ["-v", "error", "-i", exact.path, "-map", "0:s", "-f", "srt", "-"])
            #expect(
                subtitles.stdout.contains("\(camera.name)  \(s.clockText(from))"), "\(subtitles.stdout.prefix(300))")

            // The playlist lists the two files in order, entered and left where the range is.
            let list = out.deletingPathExtension().appendingPathExtension("m3u8")
            defer { try? FileManager.default.removeItem(at: list) }
            let playlist = try await s.run(
                [
                    "playlist", "--dest", s.destination.path, "--camera", camera.name, "--from", iso(from), "--to",
                    iso(to), "--out", list.path,
                ])
            #expect(playlist.status == 0, "\(playlist.stderr)")
            let lines = try String(contentsOf: list, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.first == "#EXTM3U")
            #expect(
                lines.filter { $0.hasPrefix("/") }
                    == [first.path, second.path].map {
                        s.destination.appendingPathComponent($0).path
                    })
            #expect(lines.contains("#EXTVLCOPT:start-time=3588.000"))
            #expect(lines.contains("#EXTVLCOPT:stop-time=20.000"))
        }
    }

    @Test(
        "Missing footage fails with its own code unless allowed; a folder gets one file per camera; no ffmpeg, a damaged file: their own codes and no file"
    )
    func gapsFoldersAndFailures() async throws {
        try await Scenario.with(clipConsole(), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let cameras = await s.simulator.cameras()
            let (first, second) = try s.archivedBoundary(camera: cameras[0].id)
            let folder = s.destination.appendingPathComponent("../clips-\(UUID())").standardizedFileURL
            defer { try? FileManager.default.removeItem(at: folder) }
            func clip(_ from: Int64, _ to: Int64, _ extra: [String] = [], environment: [String: String?] = [:])
                async throws -> RunResult
            {
                try await s.run(
                    [
                        "clip", "--dest", s.destination.path, "--camera", cameras[0].name, "--camera", cameras[1].id,
                        "--from", iso(from), "--to", iso(to), "--out", folder.path,
                    ] + extra, environment: environment)
            }
            func made() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }

            // An hour past the archive's last: refused, nothing made.
            let gap = try await clip(second.end - 60_000, second.end + 3_600_000)
            #expect(gap.status == 23, "\(gap.stderr)")
            #expect(gap.stderr.contains("--allow-gaps"), "\(gap.stderr)")
            #expect(made().isEmpty)
            let allowed = try await clip(second.end - 60_000, second.end + 3_600_000, ["--allow-gaps"])
            #expect(allowed.status == 0, "\(allowed.stderr)")
            #expect(allowed.stdout.contains("without footage for"), "\(allowed.stdout)")
            #expect(made().count == 2 && made().allSatisfy { $0.hasSuffix(".mp4") && !$0.hasPrefix(".") }, "\(made())")
            for name in made() {
                let probe = try await ClipProbe.of(folder.appendingPathComponent(name).path)
                #expect(probe.packets.count == 60, "\(name)")
            }
            try FileManager.default.removeItem(at: folder)

            // Without ffmpeg on PATH.
            let noFFmpeg = try await clip(first.start, first.start + 60_000, environment: ["PATH": "/nonexistent"])
            #expect(noFFmpeg.status == 20, "\(noFFmpeg.stderr)")
            #expect(noFFmpeg.stderr.contains("install ffmpeg"), "\(noFFmpeg.stderr)")
            #expect(made().isEmpty)

            // A damaged archive file: its own code, and neither the clip nor a half of it left behind.
            let damaged = s.destination.appendingPathComponent(first.path)
            let handle = try FileHandle(forWritingTo: damaged)
            try handle.truncate(atOffset: 4096)
            try handle.close()
            let broken = try await clip(first.start + 60_000, first.start + 120_000)
            #expect(broken.status == 22, "\(broken.stderr)")
            #expect(broken.stderr.contains("verify --repair"), "\(broken.stderr)")
            #expect(made().isEmpty, "\(made())")
        }
    }
}
