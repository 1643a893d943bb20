import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `timelapse`: a camera's range played `speed` times faster, as H.264, with the camera and the wall-clock time
/// drawn in if asked.
///
/// At 60× or more only key frames are decoded (`-skip_frame nokey`): Protect records one every few seconds, more
/// than such an output shows; `fps` then repeats them to a steady rate, and the output is cut at exactly
/// range ÷ speed.
public struct TimelapseJob: Sendable {
    public var request: ClipRequest
    /// How many times faster than real time.
    public var speed: Double
    /// Draw the camera's name and the wall-clock time into the picture.
    public var burnIn = false
    /// The output's frame rate.
    public var framesPerSecond = 25
    /// The speed from which only key frames are decoded.
    public static let keyFramesOnlyFrom = 60.0

    public init(request: ClipRequest, speed: Double) {
        self.request = request
        self.speed = speed
    }

    /// The output's frame count: the range's length ÷ speed, at `framesPerSecond`.
    public var frameCount: Int {
        max(1, Int((Double(request.range.count) / 1000 / speed * Double(framesPerSecond)).rounded()))
    }

    /// Makes every camera's timelapse; `progress` hears the fraction done of the current one.
    public func run(state: ArchiveState, progress: @escaping @Sendable (Double) -> Void = { _ in }) async throws
        -> [ClipResult]
    {
        let zoneName = try state.meta("timezone") ?? "UTC"
        let zone = DisplayZone.named(zoneName)
        let cameras = try request.chosenCameras(state: state)
        let plans = try await request.plans(for: cameras, state: state, zone: zone).map(\.plan)
        if burnIn, let gapped = zip(cameras, plans).first(where: { !$0.1.gaps.isEmpty }) {
            throw MediaError.footageMissing(
                camera: gapped.0.name, gaps: gapped.1.gaps.map { ClipRequest.describe($0, in: zone) })
        }
        var results: [ClipResult] = []
        for (camera, plan) in zip(cameras, plans) {
            let file = try request.outputFile(for: camera, count: cameras.count, ext: "mp4", zone: zone)
            results.append(
                try await make(camera: camera, plan: plan, file: file, zone: zoneName, progress: progress))
        }
        return results
    }

    /// One camera's timelapse.
    func make(
        camera: CameraRecord, plan: ClipPlan, file: URL, zone: String, progress: @escaping @Sendable (Double) -> Void
    ) async throws -> ClipResult {
        var pieces = plan.pieces
        if let asked = pieces[0].inpoint {
            let first = pieces[0].location(in: request.destination)
            let key = try await request.ffmpeg.keyframe(atOrBefore: asked, in: first)
            pieces[0].inpoint = key > 0 ? key : nil
        }
        let start = pieces[0].covered.lowerBound
        let folder = file.deletingLastPathComponent()
        let hidden = ".\(file.lastPathComponent).\(getpid())"
        let list = folder.appendingPathComponent(hidden + ".ffconcat")
        let text = folder.appendingPathComponent(hidden + ".txt")
        let partial = folder.appendingPathComponent(hidden + ".mp4")
        let keyFrames = folder.appendingPathComponent(hidden + ".keys")
        defer {
            for temporary in [list, text, partial, keyFrames] { try? FileManager.default.removeItem(at: temporary) }
        }
        if speed >= Self.keyFramesOnlyFrom {
            pieces = try await keyFramesOnly(pieces, into: keyFrames)
        }
        do {
            try Data(ClipJob.concatList(pieces, destination: request.destination).utf8).write(to: list)
            if burnIn { try Data(Self.overlayText(camera: camera.name, start: start).utf8).write(to: text) }
        } catch {
            throw ArchiveError.destinationNotWritable(folder.path, reason: error.localizedDescription)
        }
        var filters: [String] = []
        if burnIn {
            filters.append(
                "drawtext=textfile=\(Self.escapeFilter(text.path)):font=Monospace:fontsize=h/20:fontcolor=white:"
                    + "box=1:boxcolor=black@0.6:boxborderw=4:x=w/40:y=h-th-h/40")
        }
        filters.append("setpts=(PTS-STARTPTS)/\(speed)")
        filters.append("fps=\(framesPerSecond)")
        filters.append("tpad=stop_mode=clone:stop_duration=\(Int(60 / speed) + 10)")
        var arguments: [String] = []
        if speed >= Self.keyFramesOnlyFrom { arguments += ["-skip_frame", "nokey"] }
        arguments += ["-f", "concat", "-safe", "0", "-i", list.path, "-map", "0:v", "-an", "-vf"]
        arguments += [filters.joined(separator: ","), "-frames:v", String(frameCount)]
        arguments += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
        arguments += [
            "-metadata", "creation_time=\(TimeFormatting.iso(start))", "-metadata", "title=\(camera.name)",
            "-movflags", "+faststart", "-f", "mp4", partial.path,
        ]
        let total = Double(frameCount) / Double(framesPerSecond)
        try await request.ffmpeg.run(
            arguments, environment: ["TZ": zone], progress: FFmpeg.fraction(of: total, progress))
        guard rename(partial.path, file.path) == 0 else {
            throw ArchiveError.destinationNotWritable(file.path, reason: String(cString: strerror(errno)))
        }
        progress(1)
        return ClipResult(
            camera: camera, path: file.path, shown: start..<pieces[pieces.count - 1].covered.upperBound,
            files: pieces.count, gaps: plan.gaps)
    }

    /// Each piece's key frames alone, copied into a file of its own (`-discard nokey` on the file itself: the
    /// demuxer seeks from key frame to key frame and never reads the frames between, which `-skip_frame nokey` through
    /// the concat demuxer still reads and parses). Each copy keeps its key frames' times and is joined with its
    /// original length, so the timeline is the same.
    func keyFramesOnly(_ pieces: [ClipPlan.Piece], into folder: URL) async throws -> [ClipPlan.Piece] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.destinationNotWritable(folder.path, reason: error.localizedDescription)
        }
        // As many copies at once as there are processors: each is one ffmpeg reading one file.
        let width = max(1, min(ProcessInfo.processInfo.activeProcessorCount, pieces.count))
        let ffmpeg = request.ffmpeg
        let destination = request.destination
        return try await withThrowingTaskGroup(of: (Int, ClipPlan.Piece).self) { group in
            var copies = pieces
            var next = 0
            func start() {
                guard next < pieces.count else { return }
                let (index, piece) = (next, pieces[next])
                next += 1
                group.addTask {
                    let source = piece.location(in: destination)
                    let copy = folder.appendingPathComponent("\(index).mp4")
                    try await ffmpeg.run(
                        ["-discard", "nokey", "-i", source, "-map", "0:v", "-c", "copy", "-f", "mp4", copy.path],
                        input: source)
                    var keys = piece
                    keys.file = copy.path
                    keys.duration = Double(piece.end - piece.start) / 1000
                    return (index, keys)
                }
            }
            for _ in 0..<width { start() }
            while let (index, keys) = try await group.next() {
                copies[index] = keys
                start()
            }
            return copies
        }
    }

    /// The drawn line: the camera's name, and the frame's wall-clock time (in ffmpeg's `TZ`, the console's zone).
    static func overlayText(camera: String, start: Int64) -> String {
        let name = camera.filter { !"%\\{}".contains($0) }
        return "\(name)  %{pts:localtime:\(Double(start) / 1000):%Y-%m-%d %H\\:%M\\:%S}"
    }

    /// A path as a filter option's value (`\`, `:` and `'` escaped).
    static func escapeFilter(_ path: String) -> String {
        path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
            .replacingOccurrences(of: "'", with: "\\'")
    }
}
