import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `clip --grid`: the chosen cameras side by side in one H.264 video over exactly the asked range, each tile labelled
/// with its camera's name and all of them at the same wall-clock moment.
///
/// Each archive file's part is decoded from the key frame before it (`-ss` on the input, frame-accurate), moved to
/// its wall-clock offset into the range and laid over a black tile that says "no footage"; where a camera has no
/// file the tile stays black. Only a range no chosen camera has footage for is an error.
public struct GridClipJob: Sendable {
    public var request: ClipRequest
    /// The whole picture's largest size; tiles are scaled down to fit it.
    public var maximumWidth = 1920
    public var maximumHeight = 1080

    public init(request: ClipRequest) {
        self.request = request
    }

    /// Makes the one file; `progress` hears the fraction of it encoded.
    public func run(state: ArchiveState, progress: @escaping @Sendable (Double) -> Void = { _ in }) async throws
        -> GridResult
    {
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        let cameras = try request.chosenCameras(state: state)
        var lenient = request
        lenient.allowGaps = true
        let filled = try await lenient.plans(for: cameras, state: state, zone: zone, allowEmpty: true)
        let plans = filled.map(\.plan)
        guard plans.contains(where: { !$0.pieces.isEmpty }) else {
            throw MediaError.footageMissing(
                camera: cameras.map(\.name).joined(separator: " and "),
                gaps: [ClipRequest.describe(request.range, in: zone)])
        }
        let file = try outputFile(cameras: cameras, zone: zone)
        var shapes: [VideoShape] = []
        for plan in plans {
            guard let piece = plan.pieces.first else { continue }
            shapes.append(
                try await request.ffmpeg.videoShape(of: piece.location(in: request.destination)))
        }
        let layout = GridLayout(
            count: cameras.count, tile: shapes[0], maximumWidth: maximumWidth, maximumHeight: maximumHeight)
        let framesPerSecond = min(30, shapes.map(\.framesPerSecond).max() ?? 25)

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "protect-dl-grid-\(getpid())-\(UUID().uuidString)")
        let partial = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid())")
        defer {
            try? FileManager.default.removeItem(at: scratch)
            try? FileManager.default.removeItem(at: partial)
        }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try Data("no footage".utf8).write(to: scratch.appendingPathComponent("none.txt"))
            for (index, camera) in cameras.enumerated() {
                try Data(camera.name.utf8).write(to: scratch.appendingPathComponent("label\(index).txt"))
            }
        } catch {
            throw ArchiveError.destinationNotWritable(scratch.path, reason: error.localizedDescription)
        }
        let seconds = Double(request.range.count) / 1000
        var inputs: [String] = []
        var graph: [String] = []
        var inputIndex = 0
        for (index, plan) in plans.enumerated() {
            let none = TimelapseJob.escapeFilter(scratch.appendingPathComponent("none.txt").path)
            let label = TimelapseJob.escapeFilter(scratch.appendingPathComponent("label\(index).txt").path)
            let size = "\(layout.tileWidth)x\(layout.tileHeight)"
            graph.append(
                "color=c=black:s=\(size):r=\(Self.number(framesPerSecond)):d=\(Self.number(seconds)),"
                    + "drawtext=textfile=\(none):expansion=none:font=Sans:fontsize=h/12:fontcolor=gray:"
                    + "x=(w-tw)/2:y=(h-th)/2[c\(index)b0]")
            for (number, piece) in plan.pieces.enumerated() {
                let covered = piece.covered
                inputs += ["-ss", Self.number(piece.inpoint ?? 0)]
                inputs += ["-t", Self.number(Double(covered.count) / 1000)]
                inputs += ["-i", piece.location(in: request.destination)]
                let offset = Double(covered.lowerBound - request.range.lowerBound) / 1000
                graph.append(
                    "[\(inputIndex):v]setpts=PTS-STARTPTS+\(Self.number(offset))/TB,"
                        + "scale=\(layout.tileWidth):\(layout.tileHeight):force_original_aspect_ratio=decrease,"
                        + "pad=\(layout.tileWidth):\(layout.tileHeight):(ow-iw)/2:(oh-ih)/2,setsar=1[c\(index)p\(number)]"
                )
                graph.append(
                    "[c\(index)b\(number)][c\(index)p\(number)]overlay=eof_action=pass:format=auto[c\(index)b\(number + 1)]"
                )
                inputIndex += 1
            }
            graph.append(
                "[c\(index)b\(plan.pieces.count)]drawtext=textfile=\(label):expansion=none:font=Sans:"
                    + "fontsize=max(10\\,h/14):fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4:"
                    + "x=w/40:y=h-th-h/40[t\(index)]")
        }
        let tiles = (0..<cameras.count).map { "[t\($0)]" }.joined()
        if cameras.count == 1 {
            graph.append("\(tiles)format=yuv420p[out]")
        } else {
            graph.append(
                "\(tiles)xstack=inputs=\(cameras.count):layout=\(layout.xstackLayout):fill=black,format=yuv420p[out]")
        }
        let frames = max(1, Int((seconds * framesPerSecond).rounded()))
        var arguments = inputs + ["-filter_complex", graph.joined(separator: ";"), "-map", "[out]", "-an"]
        arguments += ["-frames:v", String(frames), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
        arguments += [
            "-metadata", "creation_time=\(TimeFormatting.iso(request.range.lowerBound))", "-metadata",
            "title=\(cameras.map(\.name).joined(separator: ", "))", "-movflags", "+faststart", "-f", "mp4",
            partial.path,
        ]
        try await request.ffmpeg.run(arguments, progress: FFmpeg.fraction(of: seconds, progress))
        guard rename(partial.path, file.path) == 0 else {
            throw ArchiveError.destinationNotWritable(file.path, reason: String(cString: strerror(errno)))
        }
        progress(1)
        return GridResult(
            path: file.path, shown: request.range, width: layout.tileWidth * layout.columns,
            height: layout.tileHeight * layout.rows,
            cameras: zip(cameras, filled).map {
                .init(
                    camera: $0, files: $1.plan.pieces.filter { $0.file == nil }.count, gaps: $1.plan.gaps,
                    fromConsole: $1.fetched)
            })
    }

    /// The asked file, or `grid_FROM_TO.mp4` in the asked folder.
    func outputFile(cameras: [CameraRecord], zone: DisplayZone) throws -> URL {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: request.output.path, isDirectory: &isFolder)
        if (exists && !isFolder.boolValue) || (!exists && request.output.pathExtension.lowercased() == "mp4") {
            return request.output
        }
        do {
            try FileManager.default.createDirectory(at: request.output, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.destinationNotWritable(request.output.path, reason: error.localizedDescription)
        }
        let name =
            "grid_" + TimeFormatting.fileTime(request.range.lowerBound, in: zone) + "_"
            + TimeFormatting.fileTime(request.range.upperBound, in: zone) + ".mp4"
        return request.output.appendingPathComponent(name)
    }

    /// A number as ffmpeg reads it (no exponent).
    static func number(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}

/// Where each camera's tile goes in a grid: as square as can be, tiles of one size.
struct GridLayout: Sendable, Equatable {
    var count: Int
    var columns: Int
    var rows: Int
    var tileWidth: Int
    var tileHeight: Int

    init(count: Int, tile: VideoShape, maximumWidth: Int, maximumHeight: Int) {
        self.count = count
        columns = max(1, Int(Double(count).squareRoot().rounded(.up)))
        rows = max(1, (count + columns - 1) / columns)
        let scale = min(
            1, Double(maximumWidth) / Double(columns * tile.width), Double(maximumHeight) / Double(rows * tile.height))
        tileWidth = max(2, Int(Double(tile.width) * scale) / 2 * 2)
        tileHeight = max(2, Int(Double(tile.height) * scale) / 2 * 2)
    }

    /// xstack's `layout`: each tile's top left corner, row by row.
    var xstackLayout: String {
        (0..<count).map { "\($0 % columns * tileWidth)_\($0 / columns * tileHeight)" }.joined(separator: "|")
    }
}

/// What `clip --grid` made.
public struct GridResult: Sendable {
    /// One camera's part of the grid.
    public struct Tile: Sendable {
        public var camera: CameraRecord
        /// Archive files used.
        public var files: Int
        /// The parts of the range shown as "no footage".
        public var gaps: [Range<Int64>]
        /// The parts of the range taken from the console rather than the archive.
        public var fromConsole: [Range<Int64>]
    }

    public var path: String
    public var shown: Range<Int64>
    public var width: Int
    public var height: Int
    public var cameras: [Tile]
}
