import ProtectAPI

/// `watch` as a daemon: runs a watch on a connection, and beside other consoles starts it again after a pause when
/// it ends with an error (a refused login, a console gone); alone, the error ends it.
public struct WatchService: Sendable {
    /// Seconds before a failed watch starts again; nil: a failure ends the service.
    public var restartAfter: Double?
    /// Waits between restarts (tests move it on instead).
    public var time = TimeSource.system
    /// Connects, watches until cancelled, and disconnects.
    public var session: @Sendable () async throws -> Void

    public init(restartAfter: Double?, session: @escaping @Sendable () async throws -> Void) {
        self.restartAfter = restartAfter
        self.session = session
    }

    /// Runs until cancelled (returns then) or, without `restartAfter`, until the watch fails (throws that).
    /// `onRestart` hears of each failure that is followed by a restart, before the pause.
    public func run(onRestart: @Sendable (_ error: any Error, _ after: Double) -> Void) async throws {
        while true {
            do {
                try await session()
                return
            } catch {
                guard let restartAfter, !(error is CancellationError), !Task.isCancelled else { throw error }
                onRestart(error, restartAfter)
                try await time.sleep(restartAfter)
            }
        }
    }
}
