import Foundation

/// What `clip` and `playlist` are asked for: cameras of a local archive over a range, and where the files go.
public struct ClipRequest: Sendable {
    /// The local archive folder.
    public var destination: URL
    /// Camera ids or names, as the user wrote them.
    public var cameras: [String]
    /// The stream's state key (`0` for the highest quality).
    public var stream = "0"
    /// Milliseconds since 1970: first, and one past the last.
    public var range: Range<Int64>
    /// A file (one camera; `.mp4`, or `.m3u8` for a playlist) or a folder (one file per camera).
    public var output: URL
    /// Start at the asked moment itself (an MP4 edit list over the key frame before it) rather than at the key frame.
    public var exact = false
    /// Add a `mov_text` track with the camera's name and the wall-clock time.
    public var subtitles = false
    /// Put the index (`moov`) before the footage: one more pass over the file, for players that cannot ask for a
    /// file's end (a grid always has it).
    public var faststart = false
    /// Make the file from what the archive has when part of the range is missing.
    public var allowGaps = false
    public var ffmpeg = FFmpeg()
    /// Where hours the archive lacks come from (nil: they are gaps).
    public var console: ConsoleFootage?
    /// A remote archive (its state is the one given to the job): the files a plan needs are fetched from it into
    /// `destination`, a scratch folder.
    public var remote: RemoteStore?

    public init(destination: URL, cameras: [String], range: Range<Int64>, output: URL) {
        self.destination = destination
        self.cameras = cameras
        self.range = range
        self.output = output
    }
}

/// What `clip` (or `playlist`) made for one camera.
public struct ClipResult: Sendable {
    public var camera: CameraRecord
    /// The file written.
    public var path: String
    /// The wall-clock span the file shows (its first frame may be the key frame before the asked start).
    public var shown: Range<Int64>
    /// Archive files used.
    public var files: Int
    /// The parts of the range the archive had no footage for (only with `allowGaps`).
    public var gaps: [Range<Int64>]
    /// The parts of the range taken from the console rather than the archive.
    public var fromConsole: [Range<Int64>] = []
}

extension ClipRequest {
    /// The archive's cameras the request names, in its order; an unknown name is an error.
    public func chosenCameras(state: ArchiveState) throws -> [CameraRecord] {
        let known = try state.cameras()
        return try cameras.map { token in
            let wanted = token.lowercased()
            let matches = known.filter {
                $0.id.lowercased() == wanted || $0.name.lowercased() == wanted
                    || $0.name.lowercased().replacingOccurrences(of: " ", with: "_") == wanted
            }
            guard let camera = matches.first else {
                throw MediaError.unknownCamera(token, available: known.map { "\($0.name) (\($0.id))" })
            }
            return camera
        }
    }

    /// Where one camera's file goes: the asked file, or a name in the asked folder.
    func outputFile(for camera: CameraRecord, count: Int, ext: String, zone: DisplayZone) throws -> URL {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output.path, isDirectory: &isFolder)
        let isFile = (exists && !isFolder.boolValue) || (!exists && output.pathExtension.lowercased() == ext)
        if isFile {
            if count > 1 { throw MediaError.oneFileForSeveralCameras(output.path) }
            return output
        }
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.destinationNotWritable(output.path, reason: error.localizedDescription)
        }
        let name =
            FileNaming.cameraPart(name: camera.name, id: camera.id) + "_"
            + TimeFormatting.fileTime(range.lowerBound, in: zone) + "_"
            + TimeFormatting.fileTime(range.upperBound, in: zone) + "." + ext
        return output.appendingPathComponent(name)
    }

    /// The plan for one camera, with every file checked to be in the archive; gaps are an error unless allowed, and
    /// so is no footage at all unless `allowEmpty`.
    func plan(for camera: CameraRecord, state: ArchiveState, zone: DisplayZone, allowEmpty: Bool = false) throws
        -> ClipPlan
    {
        let segments = Array(try state.segments(cameraID: camera.id, stream: stream).values)
        let plan = ClipPlan.make(segments: segments, range: range)
        if (plan.pieces.isEmpty && !allowEmpty) || (!plan.gaps.isEmpty && !allowGaps) {
            throw MediaError.footageMissing(
                camera: camera.name, gaps: plan.gaps.map { Self.describe($0, in: zone) })
        }
        for piece in plan.pieces {
            try SafePath.check(piece.path, in: destination)
            if remote != nil { continue }  // fetched once every plan is known
            let path = destination.appendingPathComponent(piece.path).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw MediaError.damagedInput(path: path, reason: "the file is missing")
            }
        }
        return plan
    }

    /// Every camera's plan, with the hours the archive lacks taken from the console when one is given (and the spans
    /// so taken); what is still missing is an error unless allowed, and no footage at all unless `allowEmpty`. From a
    /// remote archive, the files the plans use are then fetched into `destination`.
    func plans(for cameras: [CameraRecord], state: ArchiveState, zone: DisplayZone, allowEmpty: Bool = false)
        async throws -> [(plan: ClipPlan, fetched: [Range<Int64>])]
    {
        var lenient = self
        lenient.allowGaps = true
        var plans: [(plan: ClipPlan, fetched: [Range<Int64>])] = []
        for camera in cameras {
            guard let console else {
                plans.append((try plan(for: camera, state: state, zone: zone, allowEmpty: allowEmpty), []))
                continue
            }
            let archived = try lenient.plan(for: camera, state: state, zone: zone, allowEmpty: true)
            let filled = try await console.fill(archived, cameraID: camera.id, stream: stream, ffmpeg: ffmpeg)
            if (filled.plan.pieces.isEmpty && !allowEmpty) || (!filled.plan.gaps.isEmpty && !allowGaps) {
                throw MediaError.footageMissing(
                    camera: camera.name, gaps: filled.plan.gaps.map { Self.describe($0, in: zone) })
            }
            plans.append(filled)
        }
        if let remote {
            let paths = plans.flatMap { $0.plan.pieces.filter { $0.file == nil }.map(\.path) }
            try await remote.fetch(paths, into: destination)
        }
        return plans
    }

    /// `2026-12-06 22:00:00 to 23:00:00` (the date again when the end is on another day).
    public static func describe(_ span: Range<Int64>, in zone: DisplayZone) -> String {
        let start = TimeFormatting.fields(span.lowerBound, in: zone)
        let end = TimeFormatting.fields(span.upperBound, in: zone)
        func clock(_ f: LocalFields) -> String {
            "\(TimeFormatting.pad(f.hour)):\(TimeFormatting.pad(f.minute)):\(TimeFormatting.pad(f.second))"
        }
        func date(_ f: LocalFields) -> String {
            "\(TimeFormatting.pad(f.year, 4))-\(TimeFormatting.pad(f.month))-\(TimeFormatting.pad(f.day))"
        }
        let endText = date(start) == date(end) ? clock(end) : date(end) + " " + clock(end)
        return "\(date(start)) \(clock(start)) to \(endText)\(start.offsetText)"
    }
}
