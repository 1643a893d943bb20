import Foundation
import Logging
import ProtectAPI

extension WatchJob {
    /// Starts the clips whose events are ready, at most `parallel` at a time. Wakes when the session rings (an
    /// event queued, a clip finished) or when the next clip falls due, never on a poll.
    func schedule(
        client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        let parallel = max(1, options.events.engine.parallel)
        let clock = options.events.engine.clock
        let time = options.events.engine.time
        try await withThrowingDiscardingTaskGroup { group in
            var timer: Task<Void, Never>?
            defer { timer?.cancel() }
            for await _ in session.changes {
                try Task.checkCancellation()
                var due: Int64?
                do {
                    for clip in try await session.takeReady(parallel: parallel) {
                        group.addTask {
                            await save(clip, client: client, session: session, state: state, onEvent: onEvent)
                        }
                    }
                    due = await session.nextDue()
                } catch {
                    onEvent(.notice("clips could not be planned: \(ErrorText.sentence(error))"))
                    due = clock.now() + 1000
                }
                timer?.cancel()
                timer = due.map { due in
                    Task {
                        try? await time.sleep(Double(due - clock.now()) / 1000)
                        if !Task.isCancelled { session.poke() }
                    }
                }
            }
            throw CancellationError()
        }
    }
}
