import Foundation
import Logging
import ProtectAPI
import Synchronization

/// Why a websocket session was given up from this side.
enum WatchProblem: Error, LocalizedError {
    /// No packet for this many seconds.
    case silent(Double)

    var errorDescription: String? {
        switch self {
        case .silent(let seconds): return "no packet for \(Int(seconds)) s; the socket is taken for dead"
        }
    }
}

/// The realtime backup daemon: listens to the console's websocket and saves each wanted event's clip once it has
/// ended and settled, back-fills from `GET events` so nothing the socket missed is lost, and records every event in
/// the archive's state so no event is downloaded twice.
public struct WatchJob: Sendable {
    public let options: WatchOptions
    let logger: Logger

    /// The state's key for where the last back-fill got to.
    public static let cursorKey = "watch.cursor"

    public init(options: WatchOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Checks what can be checked before talking to the console.
    @discardableResult
    public func preflight() throws -> OutputTemplate {
        try Preflight.destination(options.events.engine.destination)
        if let since = options.sinceText { try Preflight.times([since]) }
        if let hours = options.hours { try SyncJob(options: hours, logger: logger).preflight() }
        return try OutputTemplate(options.events.template ?? OutputTemplate.events)
    }

    /// Runs until cancelled (SIGTERM, SIGINT): returns normally then, with clips in flight abandoned cleanly.
    public func run(
        client: ProtectClient, state: ArchiveState, onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        let template = try preflight()
        let session = WatchSession(options: options, state: state, template: template)
        let bootstrap = try await client.bootstrap()
        try await session.adopt(bootstrap)
        let cursor = try startCursor(state: state, bootstrap: bootstrap)
        // Clips that failed in an earlier run are tried again.
        for row in try state.events(status: .failed) {
            let event = Event(
                id: row.id, type: row.type, start: row.start, end: row.end, camera: row.cameraID, score: row.score,
                smartDetectTypes: row.smartTypes.split(separator: ",").map(String.init))
            if try await session.offer(event) { onEvent(.queued(event, fromBackfill: true)) }
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listen(client: client, session: session, onEvent: onEvent) }
                group.addTask {
                    try await backfill(from: cursor, client: client, session: session, state: state, onEvent: onEvent)
                }
                group.addTask { try await schedule(client: client, session: session, state: state, onEvent: onEvent) }
                group.addTask { try await heartbeat(session: session, onEvent: onEvent) }
                if let hours = options.hours {
                    group.addTask { try await keepHours(hours, client: client, state: state, onEvent: onEvent) }
                }
                // Every part runs until cancelled; the first to fail ends the others.
                for try await _ in group {}
            }
        } catch is CancellationError {
            return
        }
    }

    func startCursor(state: ArchiveState, bootstrap: Bootstrap) throws -> Int64 {
        let now = options.events.engine.clock.now()
        if let text = options.sinceText {
            do {
                let zone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
                return try UserTime.parse(text, defaultZone: zone, now: now).milliseconds
            } catch let error as TimeError {
                throw ArchiveError.time(error)
            }
        }
        if let stored = try state.meta(Self.cursorKey), let value = Int64(stored) { return value }
        return now - 3_600_000
    }

    // MARK: The websocket

    /// Keeps the websocket open: reconnects with back-off, a fresh bootstrap after a refused `lastUpdateId`, a
    /// failure or a restart, and a back-fill after every reconnect.
    func listen(
        client: ProtectClient, session: WatchSession, onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        var failures = 0
        var needBootstrap = false
        while true {
            try Task.checkCancellation()
            let reason: String
            do {
                if needBootstrap {
                    try await session.adopt(try await client.bootstrap())
                    needBootstrap = false
                }
                let end = try await listenOnce(client: client, session: session, onEvent: onEvent)
                if end.packets > 0 { failures = 0 }
                if end.staleUpdateID {
                    needBootstrap = true
                    reason = "the console would not resume from the last update (\(end.reason ?? "closed at once"))"
                } else if let code = end.code {
                    reason = "the console closed the websocket (code \(code)\(end.reason.map { ": \($0)" } ?? ""))"
                } else {
                    reason = "the connection dropped"
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                needBootstrap = true
                reason = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
            }
            failures += 1
            let delay = await session.reconnectDelay(failures: failures)
            await session.update { $0.connection = "waiting" }
            onEvent(.disconnected(reason: reason, retryIn: delay))
            if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
        }
    }

    /// One websocket session, given up when it is silent for `silenceSeconds`.
    func listenOnce(
        client: ProtectClient, session: WatchSession, onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws -> UpdateSessionEnd {
        let from = await session.lastUpdateID
        let clock = options.events.engine.clock
        let silence = options.silenceSeconds
        await session.connecting()
        return try await withThrowingTaskGroup(of: UpdateSessionEnd.self) { group in
            group.addTask {
                try await client.listen(
                    lastUpdateID: from, ping: options.pingSeconds > 0 ? .seconds(options.pingSeconds) : nil,
                    onOpen: {
                        await session.opened()
                        onEvent(.connected(lastUpdateID: from))
                    }
                ) { packet in
                    onEvent(.packet(packet.action))
                    do {
                        let (queued, unknown) = try await session.receive(packet)
                        if let queued { onEvent(.queued(queued, fromBackfill: false)) }
                        if let unknown {
                            Task {
                                do {
                                    let event = try await client.event(id: unknown)
                                    if let queued = try await session.learn(event) {
                                        onEvent(.queued(queued, fromBackfill: false))
                                    }
                                } catch {
                                    onEvent(.notice("event \(unknown) could not be fetched: \(Self.describe(error))"))
                                }
                            }
                        }
                    } catch {
                        onEvent(.notice("a packet could not be recorded: \(Self.describe(error))"))
                    }
                    return true
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(min(1, silence / 4)))
                    let last = await session.lastPacket
                    if Double(clock.now() - last) / 1000 > silence { throw WatchProblem.silent(silence) }
                }
            }
            defer { group.cancelAll() }
            guard let end = try await group.next() else { throw CancellationError() }
            return end
        }
    }

    // MARK: Back-fill

    /// Asks `GET events` for every wanted event that ended since the cursor: at start, after every reconnect, and
    /// every `backfillSeconds`.
    func backfill(
        from start: Int64, client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        var cursor = start
        let clock = options.events.engine.clock
        let job = EventJob(options: options.events, logger: logger)
        var last = Int64.min
        while true {
            let now = clock.now()
            let wished = await session.takeBackfillWish()
            if wished || Double(now - last) / 1000 >= options.backfillSeconds {
                last = now
                do {
                    let events = try await job.fetch(client: client, from: cursor, to: now)
                    var queued = 0
                    var found = 0
                    for event in events where event.end != nil {
                        found += 1
                        if try await session.offer(event) {
                            queued += 1
                            onEvent(.queued(event, fromBackfill: true))
                        }
                    }
                    onEvent(.backfill(from: cursor, to: now, found: found, queued: queued))
                    await session.update {
                        $0.backfills += 1
                        $0.backfilled += queued
                    }
                    // Events overlapping the window come back in the next one; two minutes cover clock skew.
                    cursor = max(cursor, now - 120_000)
                    try state.setMeta(Self.cursorKey, String(cursor))
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    onEvent(.notice("back-fill failed (tried again later): \(Self.describe(error))"))
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    // MARK: Saving

    /// Starts the clips whose events are ready, at most `parallel` at a time.
    func schedule(
        client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        let parallel = max(1, options.events.engine.parallel)
        try await withThrowingDiscardingTaskGroup { group in
            while true {
                try Task.checkCancellation()
                let work: [ClipWork]
                do {
                    work = try await session.takeReady(parallel: parallel)
                } catch {
                    onEvent(.notice("clips could not be planned: \(Self.describe(error))"))
                    work = []
                }
                for clip in work {
                    group.addTask {
                        await save(clip, client: client, session: session, state: state, onEvent: onEvent)
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Saves one clip (every piece) through the engine and records it; a failure is recorded per event and
    /// retried later, until the cap.
    func save(
        _ work: ClipWork, client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async {
        let stream = ArchiveState.eventStream(options.events.variant)
        let destination = options.events.engine.destination
        let clock = options.events.engine.clock
        guard let first = work.pieces.first, let last = work.pieces.last else {
            await session.finish(work.events, retry: [])
            return
        }
        let cameraID = first.info.cameraID
        var pieces: [ExportItem] = []
        let known = (try? state.segments(cameraID: cameraID, stream: stream)) ?? [:]
        let remote = options.events.engine.remote
        func exists(_ path: String) async -> Bool {
            if let remote { return (try? await remote.stat(path)) != nil }
            return FileManager.default.fileExists(atPath: destination.appendingPathComponent(path).path)
        }
        for piece in work.pieces {
            if let row = known[piece.info.start], row.status == .complete, await exists(row.path) {
                continue  // saved by an earlier attempt at this clip
            }
            var item = piece
            // Nothing at a final name is overwritten: a name taken by another file gets the event's id.
            var number = 1
            while await exists(item.info.path) {
                let stem = String(piece.info.path.dropLast(4))
                let suffix = "_" + (work.events.first?.id ?? "clip") + (number > 1 ? "_\(number)" : "")
                item.info.path = stem + suffix + ".mp4"
                item.images = item.images.map { image in
                    var image = image
                    image.path = stem + suffix + image.path.dropFirst(stem.count)
                    return image
                }
                number += 1
            }
            pieces.append(item)
        }
        let outcomes = Mutex<[String: DownloadEvent]>([:])
        let images = Mutex<[(String, String)]>([])
        var engineOptions = options.events.engine
        engineOptions.ignoreFailedDownloads = true
        engineOptions.skipExistingFiles = false
        engineOptions.parallel = 1
        var interrupted = false
        var thrown: String?
        do {
            let summary = try await DownloadEngine(options: engineOptions, logger: logger).run(pieces, client: client) {
                event in
                switch event {
                case .downloaded(let info, _, _, _, _, _), .failed(let info, _, _), .noFootage(let info, _):
                    outcomes.withLock { $0[info.path] = event }
                case .imageFailed(_, let path, let reason):
                    images.withLock { $0.append((path, reason)) }
                default: break
                }
            }
            interrupted = summary.interrupted
        } catch let error as ArchiveError {
            if case .downloadFailed(_, let underlying, _) = error {
                thrown = Self.describe(underlying)
            } else {
                thrown = Self.describe(error)
            }
        } catch {
            thrown = Self.describe(error)
        }
        if interrupted || Task.isCancelled {
            await session.finish(work.events, retry: [])
            return
        }
        for (path, reason) in images.withLock({ $0 }) { onEvent(.imageFailed(path: path, reason: reason)) }
        var bytes: Int64 = 0
        var failure: String?
        var savedPath = last.info.path
        var sha: String?
        for piece in pieces {
            switch outcomes.withLock({ $0[piece.info.path] }) {
            case .downloaded(let info, let size, _, _, let sha256, let duration):
                do {
                    try state.recordEventPiece(
                        stream: stream, cameraID: cameraID, start: info.start, end: info.end + 1, path: info.path,
                        size: size, sha256: sha256, duration: duration)
                } catch {
                    failure = failure ?? "the clip could not be recorded: \(Self.describe(error))"
                }
                bytes += size
                savedPath = info.path
                sha = sha256
            case .failed(_, let reason, _):
                failure = failure ?? reason
            case .noFootage(_, let reason):
                failure = failure ?? "the console had no video yet (\(reason))"
            default:
                failure = failure ?? thrown ?? "the download did not finish"
            }
        }
        let latency = clock.now() - (work.events.compactMap(\.end).max() ?? clock.now())
        var report = ClipReport(
            cameraID: cameraID, cameraName: await session.cameraName(cameraID), events: work.events, path: savedPath,
            start: first.info.start, end: last.info.end + 1, bytes: bytes, sha256: sha, latency: latency,
            attempts: work.attempts + 1)
        if failure == nil {
            do {
                try state.recordEventsSaved(work.events, path: savedPath, size: bytes, sha256: sha)
            } catch {
                failure = "the clip could not be recorded: \(Self.describe(error))"
            }
        }
        guard let failure else {
            await session.update {
                $0.clipsSaved += 1
                $0.bytes += bytes
            }
            await session.finish(work.events, retry: [])
            onEvent(.clipSaved(report))
            return
        }
        var retry: [(Event, attempts: Int, readyAt: Int64)] = []
        var abandoned = 0
        for event in work.events {
            do {
                let row = try state.recordEventFailure(event, reason: failure, cap: options.maxAttempts)
                if row.status == .abandoned {
                    abandoned += 1
                } else {
                    retry.append(
                        (event, row.attempts, clock.now() + Int64(options.retryDelay(attempts: row.attempts) * 1000)))
                }
            } catch {
                retry.append((event, work.attempts + 1, clock.now() + Int64(options.retryDelay(attempts: 1) * 1000)))
            }
        }
        report.attempts = retry.map(\.attempts).max() ?? options.maxAttempts
        await session.update {
            $0.clipsFailed += 1
            $0.eventsAbandoned += abandoned
        }
        await session.finish(work.events, retry: retry)
        onEvent(
            .clipFailed(
                report, reason: failure, retryIn: retry.isEmpty ? nil : options.retryDelay(attempts: report.attempts)))
    }

    // MARK: Heartbeat and hours

    func heartbeat(session: WatchSession, onEvent: @escaping @Sendable (WatchEvent) -> Void) async throws {
        guard options.heartbeatSeconds > 0 else { return }
        while true {
            try await Task.sleep(for: .seconds(options.heartbeatSeconds))
            onEvent(.heartbeat(await session.status))
        }
    }

    /// Keeps the hourly archive as `sync` would, a pass every `hoursSeconds`.
    func keepHours(
        _ hours: SyncOptions, client: ProtectClient, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        let job = SyncJob(options: hours, logger: logger)
        while true {
            do {
                let report = try await job.run(client: client, state: state) { _ in }
                if report.interrupted { throw CancellationError() }
                onEvent(.hoursPass(report))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                onEvent(.notice("the hourly archive pass failed (tried again later): \(Self.describe(error))"))
            }
            try await Task.sleep(for: .seconds(options.hoursSeconds))
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? any LocalizedError)?.errorDescription ?? "\(error)"
    }
}
