import Foundation
import ProtectAPI

/// One console's `sync`, once or on a period: the daemon loop. A pass that fails for a reason that may pass (the
/// console reboots, the network drops) is reported and tried again next period instead of ending the loop.
public struct SyncService: Sendable {
    /// How one pass ended.
    public enum Outcome: Sendable {
        case completed(SyncReport)
        case failed(any Error, willRetry: Bool)
    }

    /// The console's name in a configuration file (nil: the command line's only console).
    public var console: String?
    /// Seconds between passes; nil for a single pass.
    public var period: Double?
    /// Retry any failed pass next period, not only the transient ones (many consoles in one process: one that
    /// refuses its login must not end the others).
    public var retryEveryFailure = false
    /// Waits between passes; injected so that tests need not wait for the wall clock.
    public var time = TimeSource.system
    /// Connects, runs one pass and disconnects; `first` is true for the first pass.
    public var pass: @Sendable (_ first: Bool) async throws -> SyncReport

    public init(console: String?, period: Double?, pass: @escaping @Sendable (_ first: Bool) async throws -> SyncReport)
    {
        self.console = console
        self.period = period
        self.pass = pass
    }

    /// Runs passes until a single pass is done, a pass is interrupted, or the task is cancelled (returns then).
    /// Returns the last pass's report (nil if none completed); throws what ends a single run or a non-transient
    /// failure of a periodic one.
    public func run(onOutcome: @Sendable (Outcome) -> Void) async throws -> SyncReport? {
        var first = true
        var last: SyncReport?
        while !Task.isCancelled {
            do {
                let report = try await pass(first)
                last = report
                onOutcome(.completed(report))
                guard period != nil, !report.interrupted else { return report }
            } catch {
                if error is CancellationError || Task.isCancelled { return last }
                let retry = period != nil && (retryEveryFailure || Transience.isTransient(error, within: .laterPass))
                onOutcome(.failed(error, willRetry: retry))
                guard retry else { throw error }
            }
            first = false
            do {
                try await time.sleep(period ?? 0)
            } catch {
                return last
            }
        }
        return last
    }
}
