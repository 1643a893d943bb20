import Foundation
import Logging
import ProtectAPI

/// Everything `sync` decides: which cameras and stream, from when, how names look, what to keep.
public struct SyncOptions: Sendable {
    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    /// Where to begin; nil for each camera's first recording.
    public var sinceText: String?
    public var variant = ExportVariant()
    /// A custom name template; nil for the original downloader's `--use-subfolders` layout.
    public var template: String?
    public var utc = false
    /// Ask again for hours the console had no footage for.
    public var recheckEmpty = false
    /// Seconds before now that the console may still be writing; hours ending later wait for the next pass.
    public var safetyMargin: Double = 300
    /// Remove complete files older than this many seconds; nil keeps everything.
    public var keepSeconds: Double?
    /// Say what would be downloaded, adopted and removed; change nothing.
    public var dryRun = false
    public var engine: EngineOptions

    public init(destination: URL) {
        engine = EngineOptions(destination: destination)
        engine.ignoreFailedDownloads = true
    }

    public var effectiveTemplate: String { template ?? OutputTemplate.downloadSubfolders }
}

/// What one pass of `sync` did.
public struct SyncReport: Sendable {
    public var summary = DownloadSummary()
    /// Files found in the destination under the expected names, checked and recorded.
    public var adopted = 0
    /// Segments already complete, or known to be empty, that the pass did not ask for.
    public var alreadyComplete = 0
    public var knownEmpty = 0
    /// Files removed by retention (or that would be, in a dry run), relative paths.
    public var pruned: [String] = []
    public var prunedBytes: Int64 = 0
    /// Segments a dry run would download.
    public var wouldDownload: [String] = []
    /// Files a dry run would adopt.
    public var wouldAdopt: [String] = []
    /// The pass was stopped by a signal.
    public var interrupted: Bool { summary.interrupted }

    /// One line for logs and daemons.
    public var line: String {
        var text = "sync: \(summary.downloaded) downloaded, \(adopted) adopted, \(summary.noFootage) empty, "
        text += "\(summary.failed) failed, \(alreadyComplete) already complete, \(knownEmpty) known empty"
        if !pruned.isEmpty {
            text +=
                ", \(pruned.count) removed (\(ByteCountFormatter.string(fromByteCount: prunedBytes, countStyle: .file)))"
        }
        if !wouldDownload.isEmpty || !wouldAdopt.isEmpty {
            text += "; dry run: \(wouldDownload.count) to download, \(wouldAdopt.count) to adopt"
        }
        return text
    }
}

/// Brings the archive up to the last complete hour: downloads what is missing, adopts what is already there,
/// records everything, and trims what is older than the retention.
public struct SyncJob: Sendable {
    public let options: SyncOptions
    let logger: Logger

    public init(options: SyncOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    @discardableResult
    public func preflight() throws -> OutputTemplate {
        try Preflight.destination(options.engine.destination)
        if let since = options.sinceText { try Preflight.times([since]) }
        return try OutputTemplate(options.effectiveTemplate)
    }

    /// One pass against a connected console.
    public func run(
        client: ProtectClient, state: ArchiveState, onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> SyncReport {
        let template = try preflight()
        let engine = DownloadEngine(options: options.engine, logger: logger)
        let bootstrap = try await client.bootstrap()
        try state.recordCameras(bootstrap.cameras.map { ($0.id, $0.name) })
        if let name = bootstrap.nvr.name { try state.setMeta("consoleName", name) }
        if let version = bootstrap.nvr.version { try state.setMeta("consoleVersion", version) }
        try state.setMeta("timezone", bootstrap.nvr.timezone ?? "UTC")
        let consoleZone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
        let zone: DisplayZone = options.utc ? .fixed(seconds: 0) : consoleZone
        let cameras = try options.variant.cameras(
            try CameraSelection.resolve(options.cameras, among: bootstrap.cameras),
            explicit: CameraSelection.isExplicit(options.cameras))
        var since: Int64?
        if let text = options.sinceText {
            do {
                since = try UserTime.parse(text, defaultZone: consoleZone, now: options.engine.clock.now()).milliseconds
            } catch let error as TimeError {
                throw ArchiveError.time(error)
            }
        }
        let now = options.engine.clock.now()
        // The console may still be writing anything after this moment.
        let settled = now - Int64(options.safetyMargin * 1000)
        let upper = SegmentPlanner.hourFloor(settled, in: zone)
        let keepFrom = options.keepSeconds.map { now - Int64($0 * 1000) }
        let stream = options.variant.streamKey
        var report = SyncReport()
        var work: [ExportItem] = []
        var adoption: AdoptionIndex?
        var plan: [(Camera, [Segment])] = []
        for camera in cameras {
            guard var lower = since ?? camera.recordingStart else { continue }
            if let keepFrom { lower = max(lower, keepFrom) }
            var cameraUpper = upper
            if let last = camera.recordingEnd, last < settled {
                cameraUpper = min(upper, SegmentPlanner.hourFloor(last - 1, in: zone) + SegmentPlanner.hour)
            }
            plan.append(
                (
                    camera,
                    SegmentPlanner.segments(from: SegmentPlanner.hourFloor(lower, in: zone), to: cameraUpper, in: zone)
                ))
        }
        // What is left to do: the state's settled hours are skipped by their start alone (two columns read, no
        // name rendered), so a pass over a year of complete hours is quick.
        var todo: [(Camera, Segment)] = []
        for (camera, segments) in plan {
            let settledHours = try state.settledStarts(cameraID: camera.id, stream: stream)
            for segment in segments {
                if settledHours.done.contains(segment.start) {
                    report.alreadyComplete += 1
                } else if settledHours.empty.contains(segment.start) && !options.recheckEmpty {
                    report.knownEmpty += 1
                } else {
                    todo.append((camera, segment))
                }
            }
        }
        // Names are checked for collisions among the files still to come; a file already at a name is never
        // replaced by the engine.
        try NameCheck.segments(todo, cameras: plan.map(\.0), variant: options.variant, zone: zone, template: template)
        for (camera, segment) in todo {
            let item = try DownloadJob.item(
                camera: camera, segment: segment, variant: options.variant, zone: zone, template: template)
            if adoption == nil { adoption = AdoptionIndex(destination: options.engine.destination) }
            if let found = adoption?.file(for: item, camera: camera, segment: segment, variant: options.variant) {
                if options.dryRun {
                    report.wouldAdopt.append(found)
                    continue
                }
                if try adopt(found, item: item, segment: segment, stream: stream, state: state) {
                    report.adopted += 1
                    continue
                }
            }
            work.append(item)
        }
        if options.dryRun {
            report.wouldDownload = work.map(\.info.path)
        } else {
            onEvent(.planned(total: work.count))
            let logger = self.logger
            report.summary = try await engine.run(work, client: client) { event in
                Self.record(event, stream: stream, state: state, logger: logger)
                onEvent(event)
            }
        }
        if let keepFrom, !report.interrupted {
            if let remote = options.engine.remote {
                try await pruneRemote(remote, before: keepFrom, state: state, report: &report)
            } else {
                try prune(before: keepFrom, state: state, report: &report)
            }
        }
        return report
    }

    /// Checks a file found under an expected name and records it as complete; false when it is not a whole MP4.
    func adopt(_ path: String, item: ExportItem, segment: Segment, stream: String, state: ArchiveState) throws -> Bool {
        let url = options.engine.destination.appendingPathComponent(path)
        let duration: Double?
        do {
            duration = try MP4Check.duration(path: url.path)
        } catch {
            logger.warning("Not adopting \(path): \(error.localizedDescription); downloading it again.")
            return false
        }
        let claimed = ClaimedDuration.seconds(start: segment.start, end: segment.end, variant: options.variant)
        if let mismatch = ClaimedDuration.mismatch(duration, claimed: claimed, claimant: "its name") {
            logger.warning("Not adopting \(path): \(mismatch); downloading it again.")
            return false
        }
        let hash = try FileHash.sha256(of: url)
        try state.recordComplete(
            cameraID: item.info.cameraID, stream: stream, start: segment.start, end: segment.end, path: path,
            size: hash.size, sha256: hash.hex, adopted: true, duration: duration)
        return true
    }

    /// Writes the engine's outcome for a segment into the state.
    static func record(_ event: DownloadEvent, stream: String, state: ArchiveState, logger: Logger) {
        do {
            switch event {
            case .downloaded(let info, let bytes, _, _, let sha256, let duration):
                try state.recordComplete(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    size: bytes, sha256: sha256, adopted: false, duration: duration)
            case .noFootage(let info, let reason):
                try state.recordOutcome(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    status: .empty, reason: reason, attempts: 1)
            case .failed(let info, let error, let attempts):
                try state.recordOutcome(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    status: .failed, reason: ErrorText.sentence(error), attempts: max(1, attempts))
            default: break
            }
        } catch {
            logger.error("Recording a segment in the archive state failed: \(error.localizedDescription)")
        }
    }

    /// Removes complete files that ended before `cutoff` and that the state knows, then their empty folders.
    func prune(before cutoff: Int64, state: ArchiveState, report: inout SyncReport) throws {
        let fileManager = FileManager.default
        let destination = options.engine.destination.standardizedFileURL
        for record in try state.completeSegments(endingBy: cutoff) {
            let url = destination.appendingPathComponent(record.path)
            let size = (try? fileManager.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
            guard let size else {
                if !options.dryRun {
                    try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
                }
                continue
            }
            guard size == record.size else {
                logger.warning("Not removing \(record.path): its size changed since it was downloaded.")
                continue
            }
            report.pruned.append(record.path)
            report.prunedBytes += size
            if options.dryRun { continue }
            try fileManager.removeItem(at: url)
            try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
            var folder = url.deletingLastPathComponent().standardizedFileURL
            while folder.path.hasPrefix(destination.path + "/"),
                (try? fileManager.contentsOfDirectory(atPath: folder.path))?.isEmpty == true
            {
                try? fileManager.removeItem(at: folder)
                folder = folder.deletingLastPathComponent().standardizedFileURL
            }
        }
    }
}

extension ExportVariant {
    /// How the state names a stream: `0`, `1`, `2` or `package`, then `+timelapse<speed>x` for a timelapse.
    public var streamKey: String {
        channelLabel + (timelapseSpeed.map { "+timelapse\($0)x" } ?? "")
    }

    /// The stream a state key names.
    public init?(streamKey: String) {
        // Event clips are kept under `event:<stream>`.
        let key = streamKey.hasPrefix("event:") ? String(streamKey.dropFirst(6)) : streamKey
        let parts = key.split(separator: "+", maxSplits: 1)
        guard let first = parts.first else { return nil }
        self.init()
        if first == "package" {
            packageLens = true
        } else if let channel = Int(first), (0...2).contains(channel) {
            self.channel = channel
        } else {
            return nil
        }
        if parts.count == 2 {
            guard parts[1].hasPrefix("timelapse"),
                let speed = ExportVariant.parseTimelapse(String(parts[1].dropFirst(9)))
            else { return nil }
            timelapseSpeed = speed
        }
    }
}

/// MP4 files already in the destination under the original downloader's names (flat or in subfolders), by camera
/// and range, so that a sync can adopt them instead of downloading them again.
struct AdoptionIndex {
    struct Key: Hashable {
        var idSuffix: String
        var start: Int64
        var displayEnd: Int64
        var variantSuffix: String
    }

    private var files: [Key: String] = [:]
    private let destination: URL

    init(destination: URL) {
        self.destination = destination
        let time = #"(\d{4}-\d{2}-\d{2}--\d{2}-\d{2}-\d{2}[+-]\d{4})"#
        guard let pattern = try? Regex(#"_([^_]{4})_"# + time + "_" + time + #"((?:_[A-Za-z0-9]+)*)$"#),
            let walker = FileManager.default.enumerator(atPath: destination.path)
        else { return }
        while let item = walker.nextObject() as? String {
            if item.hasPrefix(ArchiveState.folderName) {
                walker.skipDescendants()
                continue
            }
            guard item.hasSuffix(".mp4"),
                let key = Self.key(forName: (item as NSString).lastPathComponent, pattern: pattern)
            else {
                continue
            }
            files[key] = item
        }
    }

    /// Reads `<camera>_<id4>_<start>_<end><suffix>.mp4`.
    static func key(forName name: String, pattern: Regex<AnyRegexOutput>) -> Key? {
        guard let match = name.dropLast(4).firstMatch(of: pattern) else { return nil }
        let groups = match.output
        guard groups.count == 5, let id = groups[1].substring, let startText = groups[2].substring,
            let endText = groups[3].substring, let suffix = groups[4].substring
        else { return nil }
        func parse(_ text: Substring) -> Int64? {
            let iso = text.replacingOccurrences(of: "--", with: " ")
            let parts = iso.split(separator: " ")
            guard parts.count == 2 else { return nil }
            let clock = parts[1].prefix(8).replacingOccurrences(of: "-", with: ":")
            return try? UserTime.parse("\(parts[0]) \(clock)\(parts[1].dropFirst(8))", defaultZone: .fixed(seconds: 0))
                .milliseconds
        }
        guard let start = parse(startText), let end = parse(endText) else { return nil }
        return Key(idSuffix: String(id), start: start, displayEnd: end, variantSuffix: String(suffix))
    }

    /// The expected file if it exists, else one of the original's names for the same camera, range and stream.
    func file(for item: ExportItem, camera: Camera, segment: Segment, variant: ExportVariant) -> String? {
        if FileManager.default.fileExists(atPath: destination.appendingPathComponent(item.info.path).path) {
            return item.info.path
        }
        return files[
            Key(
                idSuffix: String(camera.id.suffix(4)), start: segment.start, displayEnd: segment.displayEnd,
                variantSuffix: variant.nameSuffix)]
    }
}
