import Foundation
import Logging
import ProtectAPI

extension WatchJob {
    /// Asks `GET events` for every wanted event that ended since the cursor: at start, after every reconnect, and
    /// every `backfillSeconds`.
    func backfill(
        from start: Int64, client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        var cursor = start
        let clock = options.events.engine.clock
        let job = EventJob(options: options.events, logger: logger)
        let time = options.events.engine.time
        let period = options.backfillSeconds
        // A back-fill a period after the last one, and one whenever the websocket opens (the session rings for it).
        var ticker: Task<Void, Never>?
        defer { ticker?.cancel() }
        for await _ in session.backfillRequests {
            try Task.checkCancellation()
            ticker?.cancel()
            ticker = Task {
                try? await time.sleep(period)
                if !Task.isCancelled { session.wishBackfill() }
            }
            let now = clock.now()
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
                onEvent(.notice("back-fill failed (tried again later): \(ErrorText.sentence(error))"))
            }
        }
        throw CancellationError()
    }
}
