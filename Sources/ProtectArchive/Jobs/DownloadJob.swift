import Foundation
import Logging
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

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
