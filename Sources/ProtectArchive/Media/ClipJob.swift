import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `clip`: one MP4 per camera over a range, joined from the archive's hour files without re-encoding.
///
/// The concat demuxer reads the files in order with continuous timestamps; the first is entered at the key frame at
/// or before the asked start (found from the packets' flags), the last left at the asked end. With `exact`, a second
/// stream copy starts the presentation at the asked moment itself through an MP4 edit list (the frames from the key
/// frame on are kept to decode it, and marked to be skipped). The file is written under a hidden name beside the
/// asked one and renamed into place when whole.
public struct ClipJob: Sendable {
    public var request: ClipRequest

    public init(request: ClipRequest) {
        self.request = request
    }

    /// Makes every camera's file, one after the other.
    public func run(state: ArchiveState) async throws -> [ClipResult] {
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        let cameras = try request.chosenCameras(state: state)
        // Every plan first: a gap in the last camera fails the run before any file is made.
        let plans = try await request.plans(for: cameras, state: state, zone: zone)
        var results: [ClipResult] = []
        for (camera, plan) in zip(cameras, plans) {
            let file = try request.outputFile(for: camera, count: cameras.count, ext: "mp4", zone: zone)
            var result = try await make(camera: camera, plan: plan.plan, file: file, zone: zone)
            result.fromConsole = plan.fetched
            results.append(result)
        }
        return results
    }

    /// One camera's file.
    func make(camera: CameraRecord, plan: ClipPlan, file: URL, zone: DisplayZone) async throws -> ClipResult {
        var pieces = plan.pieces
        let asked = pieces[0].inpoint
        if let asked {
            let first = pieces[0].location(in: request.destination)
            pieces[0].inpoint = try await request.ffmpeg.keyframe(atOrBefore: asked, in: first)
            if pieces[0].inpoint == 0 { pieces[0].inpoint = nil }
        }
        let keyStart = pieces[0].covered.lowerBound
        // With --exact the picture starts at the asked moment; the frames before it only decode it.
        let skip = request.exact ? max(0, (asked ?? 0) - (pieces[0].inpoint ?? 0)) : 0
        let shownStart = keyStart + Int64((skip * 1000).rounded())
        let shownEnd = pieces[pieces.count - 1].covered.upperBound

        let folder = file.deletingLastPathComponent()
        let hidden = ".\(file.lastPathComponent).\(getpid())"
        let list = folder.appendingPathComponent(hidden + ".ffconcat")
        let subtitles = folder.appendingPathComponent(hidden + ".srt")
        let joined = folder.appendingPathComponent(hidden + ".join.mp4")
        let trimmed = folder.appendingPathComponent(hidden + ".mp4")
        defer {
            for temporary in [list, subtitles, joined, trimmed] { try? FileManager.default.removeItem(at: temporary) }
        }
        // The subtitles start where the picture does (with --exact, at the asked moment itself).
        var shownPieces = pieces
        if skip > 0 { shownPieces[0].inpoint = asked }
        do {
            try Data(Self.concatList(pieces, destination: request.destination).utf8).write(to: list)
            if request.subtitles {
                try Data(Self.subtitleText(shownPieces, camera: camera.name, zone: zone).utf8).write(to: subtitles)
            }
        } catch {
            throw ArchiveError.destinationNotWritable(folder.path, reason: error.localizedDescription)
        }
        let subtitleInput = request.subtitles ? ["-i", subtitles.path] : []
        let subtitleOutput =
            request.subtitles ? ["-map", "1:s", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng"] : []
        let media = ["-map", "0:v", "-map", "0:a?", "-c:v", "copy", "-c:a", "copy"]
        let metadata =
            [
                "-metadata", "creation_time=\(TimeFormatting.iso(shownStart))", "-metadata", "title=\(camera.name)",
            ] + (request.faststart ? ["-movflags", "+faststart"] : []) + ["-f", "mp4"]
        let concat = ["-f", "concat", "-safe", "0", "-i", list.path]
        if skip > 0 {
            try await request.ffmpeg.run(concat + media + ["-f", "mp4", joined.path])
            try await request.ffmpeg.run(
                ["-ss", String(format: "%.3f", skip), "-i", joined.path] + subtitleInput + media + subtitleOutput
                    + metadata + [trimmed.path])
        } else {
            try await request.ffmpeg.run(concat + subtitleInput + media + subtitleOutput + metadata + [trimmed.path])
        }
        guard rename(trimmed.path, file.path) == 0 else {
            throw ArchiveError.destinationNotWritable(file.path, reason: String(cString: strerror(errno)))
        }
        return ClipResult(
            camera: camera, path: file.path, shown: shownStart..<shownEnd,
            files: pieces.filter { $0.file == nil }.count, gaps: plan.gaps)
    }

    /// The concat demuxer's list: each file, with where to enter and leave it.
    static func concatList(_ pieces: [ClipPlan.Piece], destination: URL) -> String {
        var text = "ffconcat version 1.0\n"
        for piece in pieces {
            let path = piece.location(in: destination)
            text += "file '\(path.replacingOccurrences(of: "'", with: "'\\''"))'\n"
            if let inpoint = piece.inpoint { text += "inpoint \(String(format: "%.6f", inpoint))\n" }
            if let outpoint = piece.outpoint { text += "outpoint \(String(format: "%.6f", outpoint))\n" }
            if let duration = piece.duration { text += "duration \(String(format: "%.6f", duration))\n" }
        }
        return text
    }

    /// SubRip cues, one a second, with the camera's name and the wall-clock time; ffmpeg makes them `mov_text`.
    static func subtitleText(_ pieces: [ClipPlan.Piece], camera: String, zone: DisplayZone) -> String {
        var text = ""
        var number = 1
        var offset: Int64 = 0  // milliseconds into the output where the piece begins
        func stamp(_ ms: Int64) -> String {
            let h = ms / 3_600_000
            let m = ms / 60000 % 60
            let s = ms / 1000 % 60
            return String(format: "%02lld:%02lld:%02lld,%03lld", h, m, s, ms % 1000)
        }
        for piece in pieces {
            let covered = piece.covered
            var second = covered.lowerBound
            while second < covered.upperBound {
                let next = min(covered.upperBound, (second / 1000 + 1) * 1000)
                let f = TimeFormatting.fields(second, in: zone)
                let clock =
                    "\(TimeFormatting.pad(f.year, 4))-\(TimeFormatting.pad(f.month))-\(TimeFormatting.pad(f.day)) "
                    + "\(TimeFormatting.pad(f.hour)):\(TimeFormatting.pad(f.minute)):\(TimeFormatting.pad(f.second))"
                text += "\(number)\n\(stamp(offset + second - covered.lowerBound)) --> "
                text += "\(stamp(offset + next - covered.lowerBound))\n\(camera)  \(clock)\n\n"
                number += 1
                second = next
            }
            offset += covered.upperBound - covered.lowerBound
        }
        return text
    }
}
