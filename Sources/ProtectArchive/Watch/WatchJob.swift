import Foundation
import Logging
import ProtectAPI

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
}
