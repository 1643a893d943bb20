import Foundation
import Logging
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the `download` command decides: which cameras, which range and stream, where and how.
public struct DownloadOptions: Sendable {
    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    /// The range as the user wrote it (parsed again once the console's time zone is known).
    public var startText: String
    public var endText: String
    public var variant = ExportVariant()
    public var useSubfolders = false
    /// A custom name template; nil for the original downloader's names.
    public var template: String?
    /// Render names (and align hours) in UTC instead of the times' zone.
    public var utc = false
    /// Seconds the console may still be writing before now: a segment ending later is cut at that moment and named
    /// by what it holds.
    public var settleSeconds: Double = 60
    public var engine: EngineOptions

    public init(startText: String, endText: String, destination: URL) {
        self.startText = startText
        self.endText = endText
        self.engine = EngineOptions(destination: destination)
    }

    /// The template in use.
    public var effectiveTemplate: String {
        template ?? (useSubfolders ? OutputTemplate.downloadSubfolders : OutputTemplate.download)
    }
}

/// Why a run could not go on.
public enum ArchiveError: Error, LocalizedError {
    /// `--dest` does not exist or is not a folder.
    case destinationMissing(String)
    /// `--dest` cannot be written (permissions, a read-only file system).
    case destinationNotWritable(String, reason: String)
    /// Two items of one run would be saved under the same name.
    case nameCollision(path: String, first: String, second: String)
    /// Cameras the console does not know; lists those it has.
    case unknownCameras([String], available: [Camera])
    /// A name that fits more than one camera.
    case ambiguousCamera(String, candidates: [Camera])
    /// The camera has no such channel or lens.
    case streamUnavailable(camera: String, stream: String, available: String)
    /// A time could not be used.
    case time(TimeError)
    /// A segment failed and failures are not ignored; `summary` is the run up to then.
    case downloadFailed(path: String, underlying: any Error, summary: DownloadSummary)

    public var errorDescription: String? {
        switch self {
        case .destinationMissing(let path):
            return "The destination folder \(path) does not exist or is not a folder."
        case .destinationNotWritable(let path, let reason):
            return "The destination folder \(path) cannot be written (\(reason)); nothing was asked of the console."
        case .nameCollision(let path, let first, let second):
            return "The names would collide: \(first) and \(second) would both be saved as \(path); add fields "
                + "that tell them apart (e.g. {camera_part}, {start} or {event_id}) to --output-template."
        case .unknownCameras(let tokens, let available):
            let list = available.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
            return "The console has no camera with the id or name \(tokens.joined(separator: ", ")); "
                + "its cameras are: \(list)."
        case .ambiguousCamera(let token, let candidates):
            let list = candidates.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
            return "More than one camera is named \"\(token)\": \(list); choose by id."
        case .streamUnavailable(let camera, let stream, let available):
            return "The camera \(camera) has no \(stream); it has \(available)."
        case .time(let error):
            return error.errorDescription
        case .downloadFailed(let path, let underlying, _):
            return "Downloading \(path) failed: \(underlying.localizedDescription)"
        }
    }
}

/// Checks shared by every job before it talks to the console.
enum Preflight {
    /// The destination exists, is a folder and can be written: a file is created and removed there.
    static func destination(_ url: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ArchiveError.destinationMissing(url.path)
        }
        let probe = url.appendingPathComponent(".protect-dl-write-check-\(getpid())").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let number = errno
            if number == ENOSPC || number == EDQUOT {
                throw LocalFileError(errno: number, path: url.path, doing: "write to")
            }
            throw ArchiveError.destinationNotWritable(url.path, reason: String(cString: strerror(number)).lowercased())
        }
        close(descriptor)
        unlink(probe)
    }

    /// Parses a range in the console's zone; the display zone is the written offset's, the console's, or UTC.
    static func range(
        _ startText: String, _ endText: String, consoleZone: String?, utc: Bool, now: Int64,
        onEvent: @Sendable (DownloadEvent) -> Void, allowEmpty: Bool = false
    ) throws -> (start: Int64, end: Int64, zone: DisplayZone) {
        let console = DisplayZone.named(consoleZone ?? "UTC")
        do {
            // "now", "-24h", "yesterday": one instant for both ends, so that `--last` spans exactly its duration.
            let start = try UserTime.parse(startText, defaultZone: console, now: now)
            let end = try UserTime.parse(endText, defaultZone: console, now: now)
            guard end.milliseconds > start.milliseconds || allowEmpty else { throw TimeError.endNotAfterStart }
            if start.writtenOffset == nil || end.writtenOffset == nil { onEvent(.zoneAssumed(consoleZone ?? "UTC")) }
            for time in [start, end] {
                if let ambiguity = time.ambiguity {
                    onEvent(.notice("warning: " + ambiguity.sentence(in: console, name: consoleZone ?? "UTC")))
                }
            }
            let zone: DisplayZone =
                utc ? .fixed(seconds: 0) : start.writtenOffset.map { .fixed(seconds: $0) } ?? console
            return (start.milliseconds, end.milliseconds, zone)
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
    }

    /// Checks formats that do not need the console's zone.
    static func times(_ texts: [String]) throws {
        do {
            let parsed = try texts.map { try UserTime.parse($0, defaultZone: .fixed(seconds: 0), now: 0) }
            if parsed.count == 2, parsed[0].writtenOffset != nil, parsed[1].writtenOffset != nil,
                parsed[1].milliseconds <= parsed[0].milliseconds
            {
                throw TimeError.endNotAfterStart
            }
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
    }
}

/// Downloads a range of every chosen camera, one file per hour, into the destination.
public struct DownloadJob: Sendable {
    public let options: DownloadOptions
    let logger: Logger

    public init(options: DownloadOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Checks what can be checked before talking to the console: the destination, template and time formats.
    @discardableResult
    public func preflight() throws -> OutputTemplate {
        try Preflight.destination(options.engine.destination)
        try Preflight.times([options.startText, options.endText])
        return try OutputTemplate(options.effectiveTemplate)
    }

    /// Runs the job against a connected console.
    public func run(client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void) async throws
        -> DownloadSummary
    {
        let template = try preflight()
        let engine = DownloadEngine(options: options.engine, logger: logger)
        let bootstrap = try await client.bootstrap()
        let range = try Preflight.range(
            options.startText, options.endText, consoleZone: bootstrap.nvr.timezone, utc: options.utc,
            now: options.engine.clock.now(), onEvent: onEvent)
        let cameras = try options.variant.cameras(
            try CameraSelection.resolve(options.cameras, among: bootstrap.cameras),
            explicit: CameraSelection.isExplicit(options.cameras))
        let plan = SegmentPlan(
            cameras: cameras, start: range.start, end: range.end, zone: range.zone,
            settled: options.engine.clock.now() - Int64(options.settleSeconds * 1000))
        try NameCheck.segments(
            plan, cameras: plan.cameras, variant: options.variant, zone: range.zone, template: template)
        for line in plan.notices { onEvent(.notice(line)) }
        onEvent(.planned(total: plan.count))
        let variant = options.variant
        let items = plan.lazy.map { camera, segment in
            // Rendering was checked for every camera above; a failure here would be a bug, not bad input.
            (try? Self.item(camera: camera, segment: segment, variant: variant, zone: range.zone, template: template))
        }.compactMap { $0 }
        return try await engine.run(items, total: plan.count, client: client, onEvent: onEvent)
    }

    /// The export of one camera's segment, named by `template`.
    public static func item(
        camera: Camera, segment: Segment, variant: ExportVariant, zone: DisplayZone, template: OutputTemplate
    ) throws -> ExportItem {
        let values = NameValues(
            cameraName: camera.name, cameraID: camera.id, variant: variant, start: segment.start,
            end: segment.displayEnd, zone: zone)
        let path = try template.render(values, fileExtension: "mp4")
        var request = ExportRequest(cameraID: camera.id, start: segment.start, end: segment.requestEnd)
        variant.apply(to: &request)
        let info = SegmentInfo(
            cameraID: camera.id, cameraName: camera.name, start: segment.start, end: segment.requestEnd, path: path)
        return ExportItem(request: request, info: info)
    }
}
