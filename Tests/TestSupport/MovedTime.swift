import Synchronization

/// A clock for code whose time and waits are injected: it never waits, each sleep moves it on at once and is written
/// down (tests assert the waits a policy chose without spending them).
public final class MovedTime: Sendable {
    private let state = Mutex<(now: Double, sleeps: [Double])>((0, []))

    public init() {}

    /// The waits asked for so far, in seconds, in order.
    public var sleeps: [Double] { state.withLock { $0.sleeps } }

    /// Seconds since the start.
    @Sendable public func now() -> Double { state.withLock { $0.now } }

    /// Moves the clock on by `seconds` at once (throws if the task is cancelled, as a real sleep does).
    @Sendable public func sleep(_ seconds: Double) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.now += seconds
            $0.sleeps.append(seconds)
        }
    }
}
