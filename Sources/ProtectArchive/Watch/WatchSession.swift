import Foundation
import ProtectAPI

/// One clip `watch` is about to save: what to ask for (one piece, or several for a clip longer than the longest
/// allowed) and the events it holds.
struct ClipWork: Sendable {
    var pieces: [ExportItem]
    var events: [Event]
    var attempts: Int
}

/// The watch daemon's shared memory: open events, the queue of ended ones, what is in flight, and the counts.
///
/// An event id is at most in one place at a time (open, queued, in flight), and the archive state is asked before
/// one is queued, so the listener, the back-fill and a restart never produce a second download.
actor WatchSession {
    /// An ended event waiting for its clip.
    struct Pending: Sendable {
        var event: Event
        /// Milliseconds since 1970 when its clip may be asked for (end + settle, or the next retry).
        var readyAt: Int64
        var attempts: Int
        /// When it first became ready (a clip held for a merge waits at most `mergeHoldSeconds` from here).
        var firstReady: Int64
    }

    let options: WatchOptions
    let state: ArchiveState
    let clock: WallClock
    private(set) var tracker = EventTracker()
    private(set) var pending: [String: Pending] = [:]
    private(set) var inFlight: Set<String> = []
    /// Clips being saved now.
    private(set) var clipsRunning = 0
    var status = WatchStatus()
    var lastUpdateID: String?
    /// Milliseconds since 1970 of the last packet.
    var lastPacket: Int64 = 0
    /// Rings when the scheduler may have work: an event queued, a clip finished (the loops wake on these, never
    /// on a poll).
    nonisolated let changes: AsyncStream<Void>
    private nonisolated let changed: AsyncStream<Void>.Continuation
    /// Rings when a back-fill is wished: at start and whenever the websocket opens.
    nonisolated let backfillRequests: AsyncStream<Void>
    private nonisolated let backfillRequested: AsyncStream<Void>.Continuation
    private(set) var cameras: [String: Camera] = [:]
    private(set) var chosen: Set<String> = []
    private(set) var zone = DisplayZone.fixed(seconds: 0)
    let template: OutputTemplate
    private var random: SplitMix64

    init(options: WatchOptions, state: ArchiveState, template: OutputTemplate) {
        self.options = options
        self.state = state
        self.clock = options.events.engine.clock
        self.template = template
        self.random = SplitMix64(seed: options.seed)
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (backfillRequests, backfillRequested) = AsyncStream.makeStream(
            of: Void.self, bufferingPolicy: .bufferingNewest(1))
        changed.yield()
        backfillRequested.yield()
    }

    /// Wakes the scheduler (a timer rings this when the next clip is due).
    nonisolated func poke() { changed.yield() }

    /// Asks the back-fill loop for a back-fill now.
    nonisolated func wishBackfill() { backfillRequested.yield() }

    /// Ends both streams: the loops waiting on them end.
    nonisolated func close() {
        changed.finish()
        backfillRequested.finish()
    }

    // MARK: Console

    /// Takes the bootstrap's cameras, time zone and update id.
    func adopt(_ bootstrap: Bootstrap) throws {
        let events = options.events
        let all = try CameraSelection.resolve(events.cameras, among: bootstrap.cameras)
        let chosenCameras = try events.variant.cameras(all, explicit: CameraSelection.isExplicit(events.cameras))
        cameras = Dictionary(bootstrap.cameras.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        chosen = Set(chosenCameras.map(\.id))
        let consoleZone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
        zone = events.utc ? .fixed(seconds: 0) : consoleZone
        lastUpdateID = bootstrap.lastUpdateID
        try state.recordCameras(bootstrap.cameras.map { ($0.id, $0.name) })
        try state.recordCameraConnections(bootstrap.cameras.map { ($0.id, $0.reportsConnected) })
        if let name = bootstrap.nvr.name { try state.setMeta("consoleName", name) }
        if let version = bootstrap.nvr.version { try state.setMeta("consoleVersion", version) }
        try state.setMeta("timezone", bootstrap.nvr.timezone ?? "UTC")
    }

    /// A websocket session is being opened: the silence watchdog counts from now.
    func connecting() {
        status.connection = "connecting"
        lastPacket = clock.now()
    }

    /// The websocket is open: counted, and a back-fill is due.
    func opened() {
        status.connection = "connected"
        status.connections += 1
        lastPacket = clock.now()
        wishBackfill()
    }

    func reconnectDelay(failures: Int) -> Double { options.reconnectDelay(failures: failures, random: &random) }

    // MARK: Packets

    /// Applies one packet; returns the id of an event that must be fetched over REST, if any.
    func receive(_ packet: UpdatePacket) throws -> (queued: Event?, unknown: String?) {
        status.packets += 1
        lastPacket = clock.now()
        lastUpdateID = packet.action.newUpdateID
        switch tracker.apply(packet) {
        case .ended(let event, _):
            return (try offer(event) ? event : nil, nil)
        case .unknown(let id):
            return (nil, id)
        case .none, .started:
            return (nil, nil)
        }
    }

    /// An event fetched over REST for an update about an id never seen start.
    func learn(_ event: Event) throws -> Event? {
        if case .ended(let ended, _) = tracker.learn(event) { return try offer(ended) ? ended : nil }
        return nil
    }

    // MARK: Queue

    /// Whether `event` is one the options ask for.
    func wanted(_ event: Event) -> Bool {
        let events = options.events
        guard let camera = event.camera, chosen.contains(camera), events.types.contains(event.type),
            event.score >= events.minScore
        else { return false }
        return events.smartTypes.isEmpty || !Set(events.smartTypes).isDisjoint(with: event.smartDetectTypes)
    }

    /// Queues an ended, wanted event unless it is queued, in flight, saved or given up already.
    func offer(_ event: Event) throws -> Bool {
        guard let end = event.end, wanted(event), pending[event.id] == nil, !inFlight.contains(event.id) else {
            return false
        }
        var attempts = 0
        var readyAt = end + Int64(options.events.settleSeconds * 1000)
        if let row = try state.event(id: event.id) {
            guard row.status == .failed else { return false }
            attempts = row.attempts
            readyAt = max(readyAt, row.updatedAt + Int64(options.retryDelay(attempts: attempts) * 1000))
        }
        pending[event.id] = Pending(event: event, readyAt: readyAt, attempts: attempts, firstReady: readyAt)
        status.eventsEnded += 1
        status.queued = pending.count
        poke()
        return true
    }

    /// The clips whose events are ready, planned (padded, merged, split, named) and moved in flight, at most
    /// `limit` of them. A camera's ready events wait (up to `mergeHoldSeconds`) while an event they would merge
    /// with is still running or settling.
    func takeReady(parallel: Int) throws -> [ClipWork] {
        let limit = parallel - clipsRunning
        guard limit > 0 else { return [] }
        let now = clock.now()
        let ready = pending.values.filter { $0.readyAt <= now }
        guard !ready.isEmpty else { return [] }
        let before = Int64(options.events.padBefore * 1000)
        let after = Int64(options.events.padAfter * 1000)
        let hold = Int64(options.mergeHoldSeconds * 1000)
        var work: [ClipWork] = []
        for (camera, group) in Dictionary(grouping: ready, by: { $0.event.camera ?? "" }) {
            guard work.count < limit else { break }
            let sorted = group.sorted { ($0.event.start, $0.event.id) < ($1.event.start, $1.event.id) }
            if options.events.merge {
                let low = (sorted.map(\.event.start).min() ?? 0) - before
                let high = (sorted.compactMap(\.event.end).max() ?? 0) + after
                let waiting =
                    tracker.open.values.contains { $0.camera == camera && $0.start - before <= high }
                    || pending.values.contains { other in
                        other.readyAt > now && other.event.camera == camera && other.event.start - before <= high
                            && (other.event.end ?? .max) + after >= low
                    }
                if waiting && now - (sorted.map(\.firstReady).min() ?? now) < hold { continue }
            }
            let items = try EventJob(options: options.events, logger: .init(label: "watch")).planClips(
                sorted.map(\.event), cameras: cameras, zone: zone, template: template)
            let attempts = Dictionary(sorted.map { ($0.event.id, $0.attempts) }, uniquingKeysWith: max)
            let byID = Dictionary(sorted.map { ($0.event.id, $0.event) }, uniquingKeysWith: { first, _ in first })
            var groups: [[ExportItem]] = []
            for item in items {
                if let last = groups.last?.last, last.info.eventIDs == item.info.eventIDs {
                    groups[groups.count - 1].append(item)
                } else {
                    groups.append([item])
                }
            }
            for pieces in groups where work.count < limit {
                let events = pieces[0].info.eventIDs.compactMap { byID[$0] }
                work.append(
                    ClipWork(
                        pieces: pieces, events: events,
                        attempts: events.map { attempts[$0.id] ?? 0 }.max() ?? 0))
                for event in events {
                    pending[event.id] = nil
                    inFlight.insert(event.id)
                }
            }
        }
        status.queued = pending.count
        status.inFlight = inFlight.count
        clipsRunning += work.count
        return work
    }

    /// The clip's pieces are all done (saved, or failed and recorded): its events leave the flight.
    func finish(_ events: [Event], retry: [(Event, attempts: Int, readyAt: Int64)]) {
        clipsRunning -= 1
        for event in events { inFlight.remove(event.id) }
        for (event, attempts, readyAt) in retry {
            pending[event.id] = Pending(event: event, readyAt: readyAt, attempts: attempts, firstReady: readyAt)
        }
        status.queued = pending.count
        status.inFlight = inFlight.count
        poke()
    }

    /// When a queued clip next becomes due (wall-clock milliseconds): the earliest future `readyAt`, or the end of a
    /// merge hold; nil when nothing waits on time.
    func nextDue() -> Int64? {
        let now = clock.now()
        let hold = Int64(options.mergeHoldSeconds * 1000)
        return pending.values.compactMap { item -> Int64? in
            if item.readyAt > now { return item.readyAt }
            return item.firstReady + hold > now ? item.firstReady + hold : nil
        }.min()
    }

    func cameraName(_ id: String) -> String { cameras[id]?.name ?? id }

    func update(_ change: (inout WatchStatus) -> Void) { change(&status) }
}
