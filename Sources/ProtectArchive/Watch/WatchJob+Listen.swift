import Foundation
import Logging
import ProtectAPI

extension WatchJob {
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
                reason = ErrorText.sentence(error)
            }
            failures += 1
            let delay = await session.reconnectDelay(failures: failures)
            await session.update { $0.connection = "waiting" }
            onEvent(.disconnected(reason: reason, retryIn: delay))
            if delay > 0 { try await options.events.engine.time.sleep(delay) }
        }
    }

    /// One websocket session, given up when it is silent for `silenceSeconds`.
    func listenOnce(
        client: ProtectClient, session: WatchSession, onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws -> UpdateSessionEnd {
        let from = await session.lastUpdateID
        let clock = options.events.engine.clock
        let silence = options.silenceSeconds
        let time = options.events.engine.time
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
                                    let reason = ErrorText.sentence(error)
                                    onEvent(.notice("event \(unknown) could not be fetched: \(reason)"))
                                }
                            }
                        }
                    } catch {
                        onEvent(.notice("a packet could not be recorded: \(ErrorText.sentence(error))"))
                    }
                    return true
                }
            }
            group.addTask {
                // Sleeps until the silence would be reached, counted from the last packet, and checks again.
                while true {
                    let last = await session.lastPacket
                    let quiet = Double(clock.now() - last) / 1000
                    if quiet > silence { throw WatchProblem.silent(silence) }
                    try await time.sleep(silence - quiet + 0.001)
                }
            }
            defer { group.cancelAll() }
            guard let end = try await group.next() else { throw CancellationError() }
            return end
        }
    }
}

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
