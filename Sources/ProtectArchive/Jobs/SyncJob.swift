import Foundation
import Logging
import ProtectAPI

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

    /// One pass against a connected console. `firstPass`: the first of this process (a remote is always listed
    /// then).
    public func run(
        client: ProtectClient, state: ArchiveState, firstPass: Bool = true,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> SyncReport {
        let template = try preflight()
        let engine = DownloadEngine(options: options.engine, logger: logger)
        let bootstrap = try await client.bootstrap()
        try state.recordCameras(bootstrap.cameras.map { ($0.id, $0.name) })
        try state.recordCameraConnections(bootstrap.cameras.map { ($0.id, $0.reportsConnected) })
        if let name = bootstrap.nvr.name { try state.setMeta("consoleName", name) }
        if let version = bootstrap.nvr.version { try state.setMeta("consoleVersion", version) }
        try state.setMeta("timezone", bootstrap.nvr.timezone ?? "UTC")
        let consoleZone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
        let zone: DisplayZone = options.utc ? .fixed(seconds: 0) : consoleZone
        let cameras = try options.variant.cameras(
            try CameraSelection.resolve(options.cameras, among: bootstrap.cameras),
            explicit: CameraSelection.isExplicit(options.cameras))
        // A camera the console reports disconnected is said so (by the pass's report and by `status`).
        let disconnected = cameras.filter { $0.isConnected == false }
        if !options.dryRun {
            try state.setMeta(ArchiveStatus.disconnectedKey, disconnected.map(\.id).joined(separator: "\n"))
        }
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
        report.disconnected = disconnected.map(\.name)
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
        var settledByCamera: [String: (done: Set<Int64>, empty: Set<Int64>)] = [:]
        for (camera, _) in plan {
            settledByCamera[camera.id] = try state.settledStarts(cameraID: camera.id, stream: stream)
        }
        let gone: GoneFiles
        var listing: Task<Bool, any Error>?
        // A pass that ends before it waited for its listing (planning failed, a signal) does not leave it running.
        defer { listing?.cancel() }
        if let remote = options.engine.remote, settledByCamera.values.allSatisfy({ $0.done.isEmpty }) {
            listing = listBeside(remote, cameras: plan.map(\.0), stream: stream, state: state, firstPass: firstPass)
            gone = GoneFiles()
        } else {
            gone = try await findGone(
                cameras: plan.map(\.0), stream: stream, state: state, firstPass: firstPass, report: &report)
            // An earlier pass's listing (beside its downloads, and failed, in a daemon that retries) holds no longer.
            options.engine.remote?.releaseUploads(Self.listingGate)
        }
        // What is left to do: the state's settled hours are skipped by their start alone (two columns read, no
        // name rendered), so a pass over a year of complete hours is quick.
        var todo: [(Camera, Segment)] = []
        for (camera, segments) in plan {
            let settledHours = settledByCamera[camera.id] ?? ([], [])
            let goneHere = gone.starts[camera.id] ?? []
            for segment in segments {
                if goneHere.contains(segment.start) {
                    report.goneRefetched += 1
                    todo.append((camera, segment))
                } else if settledHours.done.contains(segment.start) {
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
            report.summary = try await Self.run(engine, work, client: client, beside: listing) { event in
                Self.record(event, stream: stream, state: state, logger: logger)
                onEvent(event)
            }
            report.backlog = try Self.backlog(plan, stream: stream, state: state)
        }
        if let listing, !report.interrupted { report.destinationListed = try await listing.value }
        if let keepFrom, !report.interrupted {
            if let remote = options.engine.remote {
                try await pruneRemote(remote, before: keepFrom, state: state, report: &report)
            } else {
                try prune(before: keepFrom, state: state, report: &report)
            }
        }
        if !options.dryRun && !report.interrupted {
            try state.setMeta(ArchiveStatus.lastPassKey, String(options.engine.clock.now()))
        }
        return report
    }
}
