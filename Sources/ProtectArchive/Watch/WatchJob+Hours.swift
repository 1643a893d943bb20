import Foundation
import Logging
import ProtectAPI

extension WatchJob {
    /// A heartbeat line every `heartbeatSeconds`.
    func heartbeat(session: WatchSession, onEvent: @escaping @Sendable (WatchEvent) -> Void) async throws {
        guard options.heartbeatSeconds > 0 else { return }
        while true {
            try await options.events.engine.time.sleep(options.heartbeatSeconds)
            onEvent(.heartbeat(await session.status))
        }
    }

    /// Keeps the hourly archive as `sync` would, a pass every `hoursSeconds`.
    func keepHours(
        _ hours: SyncOptions, client: ProtectClient, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async throws {
        let job = SyncJob(options: hours, logger: logger)
        var first = true
        while true {
            do {
                let report = try await job.run(client: client, state: state, firstPass: first) { _ in }
                first = false
                if report.interrupted { throw CancellationError() }
                onEvent(.hoursPass(report))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                onEvent(.notice("the hourly archive pass failed (tried again later): \(ErrorText.sentence(error))"))
            }
            try await options.events.engine.time.sleep(options.hoursSeconds)
        }
    }
}
