import Foundation
import Logging
import ProtectAPI

/// Everything the `events` command decides: which events, how much around them, where their clips go.
public struct EventOptions: Sendable {
    /// The event types asked for when none are given: those a camera records video for.
    public static let defaultTypes = ["motion", "ring", "smartDetectZone", "smartDetectLine", "smartAudioDetect"]

    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    public var startText: String
    public var endText: String
    public var types = EventOptions.defaultTypes
    /// Smart detection types; an event must have at least one of them.
    public var smartTypes: [String] = []
    public var minScore = 0
    /// Seconds of video added before and after each event.
    public var padBefore: Double = 0
    public var padAfter: Double = 0
    /// Merge a camera's overlapping or touching (padded) events into one clip.
    public var merge = true
    /// Seconds to wait for events still running; nil skips them at once.
    public var waitForRunning: Double?
    /// Seconds after an event's end before its video is asked for (the console is still writing it).
    public var settleSeconds: Double = 7
    public var thumbnails = false
    public var heatmaps = false
    public var variant = ExportVariant()
    /// A custom name template; nil for the default events layout.
    public var template: String?
    public var utc = false
    /// Events asked for per page.
    public var pageSize = 100
    /// A clip longer than this many seconds is saved in pieces: at the hours for an hour (the default), else in
    /// pieces of this length from the clip's start.
    public var maxClipSeconds: Double = 3600
    public var engine: EngineOptions

    public init(startText: String, endText: String, destination: URL) {
        self.startText = startText
        self.endText = endText
        self.engine = EngineOptions(destination: destination)
    }
}

/// The events of a range that pass the filters, and the clips that show them.
public struct EventPlan: Sendable {
    /// Matching events, oldest first (running ones included, with `end` nil).
    public var events: [Event]
    /// The console's cameras by id.
    public var cameras: [String: Camera]
    /// The clips to download, in order.
    public var clips: [ExportItem]
    /// The zone names are shown in.
    public var zone: DisplayZone
}

/// Lists or downloads the clips of the events in a range.
public struct EventJob: Sendable {
    public let options: EventOptions
    let logger: Logger

    public init(options: EventOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public var effectiveTemplate: String { options.template ?? OutputTemplate.events }

    /// Checks what can be checked before talking to the console.
    public func preflight(listOnly: Bool = false) throws {
        if !listOnly { try Preflight.destination(options.engine.destination) }
        _ = try OutputTemplate(effectiveTemplate)
        try Preflight.times([options.startText, options.endText])
    }

    /// Finds the events and plans their clips.
    public func plan(client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void) async throws
        -> EventPlan
    {
        let template = try OutputTemplate(effectiveTemplate)
        let bootstrap = try await client.bootstrap()
        let range = try Preflight.range(
            options.startText, options.endText, consoleZone: bootstrap.nvr.timezone, utc: options.utc,
            now: options.engine.clock.now(), onEvent: onEvent)
        let chosen = try options.variant.cameras(
            try CameraSelection.resolve(options.cameras, among: bootstrap.cameras),
            explicit: CameraSelection.isExplicit(options.cameras))
        let byID = Dictionary(bootstrap.cameras.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var events = try await fetch(client: client, from: range.start, to: range.end)
        let chosenIDs = Set(chosen.map(\.id))
        let everyCamera = options.cameras == nil
        events = events.filter { event in
            guard let camera = event.camera else { return everyCamera }
            return chosenIDs.contains(camera) || (everyCamera && byID[camera] == nil)
                || (everyCamera && !options.variant.isDefault)
        }
        if let wait = options.waitForRunning, events.contains(where: { $0.end == nil }) {
            events = try await awaitRunning(events, for: wait, client: client, range: range)
        }
        var clipEvents: [Event] = []
        for event in events {
            if event.end == nil {
                let hint = options.waitForRunning == nil ? "; --wait-running waits for it" : ""
                onEvent(.eventSkipped(id: event.id, cameraID: event.camera, reason: "it is still running\(hint)"))
            } else if event.camera == nil {
                onEvent(.eventSkipped(id: event.id, cameraID: nil, reason: "it is not from a camera"))
            } else if byID[event.camera ?? ""] == nil {
                onEvent(
                    .eventSkipped(
                        id: event.id, cameraID: event.camera, reason: "its camera is no longer on the console"))
            } else if !chosenIDs.contains(event.camera ?? "") {
                let stream = options.variant.packageLens ? "package camera" : "channel \(options.variant.channel)"
                onEvent(.eventSkipped(id: event.id, cameraID: event.camera, reason: "its camera has no \(stream)"))
            } else {
                clipEvents.append(event)
            }
        }
        let clips = try planClips(clipEvents, cameras: byID, zone: range.zone, template: template)
        try NameCheck.paths(
            clips.map { clip in
                (
                    clip.info.path,
                    "the clip of \(clip.info.cameraName) from \(TimeFormatting.iso(clip.info.start)) (events "
                        + clip.info.eventIDs.joined(separator: ", ") + ")"
                )
            })
        return EventPlan(events: events, cameras: byID, clips: clips, zone: range.zone)
    }

    /// Plans and downloads the clips (and their images).
    public func run(client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void) async throws
        -> DownloadSummary
    {
        try Preflight.destination(options.engine.destination)
        let plan = try await plan(client: client, onEvent: onEvent)
        onEvent(.planned(total: plan.clips.count))
        return try await DownloadEngine(options: options.engine, logger: logger).run(
            plan.clips, client: client, onEvent: onEvent)
    }

    /// Every matching event overlapping the range, page by page until a short page.
    func fetch(client: ProtectClient, from start: Int64, to end: Int64) async throws
        -> [Event]
    {
        var query = EventQuery(start: start, end: end, types: options.types)
        query.smartDetectTypes = options.smartTypes
        query.limit = max(1, options.pageSize)
        var seen = Set<String>()
        var events: [Event] = []
        while true {
            // The client retries the events call itself, like every API call.
            let page = try await client.events(query)
            for event in page where seen.insert(event.id).inserted && matches(event, from: start, to: end) {
                events.append(event)
            }
            if page.count < query.limit { break }
            query.offset += page.count
        }
        return events.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    func matches(_ event: Event, from start: Int64, to end: Int64) -> Bool {
        guard options.types.contains(event.type), event.score >= options.minScore else { return false }
        if !options.smartTypes.isEmpty && Set(options.smartTypes).isDisjoint(with: event.smartDetectTypes) {
            return false
        }
        return event.start < end && (event.end ?? Int64.max) >= start
    }

    /// Polls the console until the running events have ended or `seconds` have passed.
    func awaitRunning(
        _ events: [Event], for seconds: Double, client: ProtectClient,
        range: (start: Int64, end: Int64, zone: DisplayZone)
    ) async throws -> [Event] {
        var current = events
        let time = options.engine.time
        let deadline = time.now() + seconds
        while current.contains(where: { $0.end == nil }) && time.now() < deadline {
            try await time.sleep(min(2, max(0.1, seconds / 10)))
            let running = current.filter { $0.end == nil }
            let from = running.map(\.start).min() ?? range.start
            let fresh = try await fetch(client: client, from: from, to: Int64.max / 2)
            let byID = Dictionary(fresh.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            current = current.map { event in event.end == nil ? byID[event.id] ?? event : event }
        }
        return current
    }

    /// Pads the events, merges those of one camera that overlap or touch, splits clips longer than an hour at
    /// the hour, and names them.
    func planClips(
        _ events: [Event], cameras: [String: Camera], zone: DisplayZone, template: OutputTemplate
    ) throws -> [ExportItem] {
        let before = Int64(options.padBefore * 1000)
        let after = Int64(options.padAfter * 1000)
        var groups: [(camera: String, start: Int64, end: Int64, events: [Event])] = []
        for event in events {
            guard let camera = event.camera, let end = event.end else { continue }
            let start = event.start - before
            let stop = max(end + after, start + 1000)
            if options.merge, let index = groups.lastIndex(where: { $0.camera == camera }),
                start <= groups[index].end
            {
                groups[index].end = max(groups[index].end, stop)
                groups[index].events.append(event)
            } else {
                groups.append((camera, start, stop, [event]))
            }
        }
        var items: [ExportItem] = []
        var usedPaths = Set<String>()
        // The archive state knows a clip by its camera, stream and first millisecond: two clips of one camera that
        // start in the same millisecond (a console can start two events at once) would be one row. The later one
        // starts a millisecond later instead, which no frame notices.
        var usedStarts = Set<String>()
        for group in groups {
            guard let camera = cameras[group.camera] else { continue }
            let pieces = Self.pieces(group.start, group.end, maxSeconds: options.maxClipSeconds, zone: zone)
            for (number, var piece) in pieces.enumerated() {
                while !usedStarts.insert("\(camera.id) \(piece.start)").inserted, piece.start + 1 < piece.end {
                    piece.start += 1
                }
                var values = NameValues(
                    cameraName: camera.name, cameraID: camera.id, variant: options.variant, start: piece.start,
                    end: piece.end, zone: zone)
                values.eventIDs = group.events.map(\.id)
                values.eventTypes = Self.unique(group.events.map(\.type))
                values.smartTypes = Self.unique(group.events.flatMap(\.smartDetectTypes))
                values.score = group.events.map(\.score).max()
                var path = try template.render(values, fileExtension: "mp4")
                if !usedPaths.insert(path).inserted {
                    path = String(path.dropLast(4)) + "_" + group.events[0].id + ".mp4"
                    usedPaths.insert(path)
                }
                var request = ExportRequest(cameraID: camera.id, start: piece.start, end: piece.end - 1)
                options.variant.apply(to: &request)
                var info = SegmentInfo(
                    cameraID: camera.id, cameraName: camera.name, start: piece.start, end: piece.end - 1, path: path)
                info.eventIDs = values.eventIDs
                var item = ExportItem(request: request, info: info)
                item.notBefore = piece.end + Int64(options.settleSeconds * 1000)
                if number == 0 { item.images = images(for: group.events, clipPath: path) }
                items.append(item)
            }
        }
        return items
    }

    /// A clip's range in pieces no longer than `maxSeconds`: at the hours for an hour, else from the start.
    static func pieces(_ start: Int64, _ end: Int64, maxSeconds: Double, zone: DisplayZone) -> [Segment] {
        let longest = max(1000, Int64(maxSeconds * 1000))
        guard end - start > longest else { return [Segment(start: start, end: end)] }
        if longest == SegmentPlanner.hour { return SegmentPlanner.segments(from: start, to: end, in: zone) }
        return stride(from: start, to: end, by: Int(longest)).map { Segment(start: $0, end: min(end, $0 + longest)) }
    }

    /// Thumbnails and heatmaps beside a clip: `<clip>.thumbnail.jpg`, or `<clip>.<event id>.thumbnail.jpg`
    /// when the clip shows several events.
    func images(for events: [Event], clipPath: String) -> [ImageItem] {
        let stem = String(clipPath.dropLast(4))
        var images: [ImageItem] = []
        for event in events {
            let base = events.count == 1 ? stem : stem + "." + event.id
            if options.thumbnails {
                images.append(ImageItem(request: .eventThumbnail(eventID: event.id), path: base + ".thumbnail.jpg"))
            }
            if options.heatmaps {
                images.append(ImageItem(request: .eventHeatmap(eventID: event.id), path: base + ".heatmap.png"))
            }
        }
        return images
    }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
