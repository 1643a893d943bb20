import Foundation

/// Monotonic time and waiting, injected wherever a decision depends on them: the system's by default; tests give
/// one that moves on when asked instead of waiting.
public struct TimeSource: Sendable {
    /// Seconds since an arbitrary origin; never goes back.
    public let now: @Sendable () -> Double
    /// Waits the given seconds; throws `CancellationError` when the task is cancelled.
    public let sleep: @Sendable (Double) async throws -> Void

    public init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The system's monotonic clock and `Task.sleep`.
    public static let system: TimeSource = {
        let clock = ContinuousClock()
        let origin = clock.now
        return TimeSource(
            now: { (clock.now - origin).inSeconds },
            sleep: { seconds in
                if seconds > 0 {
                    try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
                } else {
                    try Task.checkCancellation()
                }
            })
    }()

    /// Waits until `now()` reaches `moment`.
    public func sleep(until moment: Double) async throws {
        try await sleep(max(0, moment - now()))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
