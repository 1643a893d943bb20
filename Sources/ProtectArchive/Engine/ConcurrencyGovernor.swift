import Logging
import ProtectAPI
import Synchronization

/// Decides how many exports run at once without being told the console's limits (the decisions are
/// `ConcurrencyClimb`'s; this actor gives them the clock, counts bytes and makes callers wait for a slot).
/// `maximum` (`--parallel`) bounds it; `time` is injected; `adaptive: false` runs `maximum` at once (`--fixed-parallel`).
public actor ConcurrencyGovernor {
    /// How an attempt ended, for the governor.
    public typealias Outcome = ConcurrencyClimb.Outcome

    private var climb: ConcurrencyClimb
    private let time: TimeSource
    private let origin: Double
    private nonisolated let meter = Mutex<Int64>(0)
    private let logger: Logger?
    private var reportedLimit: Int
    public nonisolated let maximum: Int

    /// `logger`: each change of level is logged at debug level with the rates measured so far.
    public init(
        maximum: Int, initial: Int = 2, adaptive: Bool = true, baseBackoff: Double = 2, time: TimeSource = .system,
        logger: Logger? = nil
    ) {
        self.time = time
        self.origin = time.now()
        self.logger = logger
        self.climb = ConcurrencyClimb(maximum: maximum, initial: initial, adaptive: adaptive, baseBackoff: baseBackoff)
        self.maximum = climb.maximum
        self.reportedLimit = climb.limit
    }

    /// Logs a change of level.
    private func report() {
        guard climb.limit != reportedLimit else { return }
        let rates = climb.measured.sorted { $0.key < $1.key }
            .map { "\($0.key): \(Int($0.value / 1_000_000)) MB/s" }.joined(separator: ", ")
        logger?.debug(
            "exports at once: \(reportedLimit) -> \(climb.limit) (measured \(rates.isEmpty ? "nothing yet" : rates); ceiling \(climb.ceiling))"
        )
        reportedLimit = climb.limit
    }

    /// The current limit.
    public var limit: Int { climb.limit }
    /// Refusals and busy answers seen so far.
    public var overloads: Int { climb.overloads }
    /// The most exports the console has accepted at once (learnt from refusals).
    public var ceiling: Int { climb.ceiling }

    private var now: Double { time.now() - origin }
    private var bytes: Int64 { meter.withLock { $0 } }

    /// Counts bytes received by any export (called for every chunk; no actor hop).
    public nonisolated func add(bytes: Int) {
        meter.withLock { $0 += Int64(bytes) }
    }

    /// Waits for a slot (and for any pause to end); cancellable.
    public func acquire() async throws {
        while true {
            try Task.checkCancellation()
            let started = climb.tryStart(now: now, bytes: bytes)
            report()
            if started { return }
            if let paused = climb.pausedUntil, paused > now {
                try await time.sleep(until: origin + paused + 0.001)
            } else {
                try await time.sleep(0.025)
            }
        }
    }

    /// The export's answer has arrived (its body starts now): how long the console took is learnt.
    public func streaming(after seconds: Double) {
        climb.streaming(after: seconds, now: now, bytes: bytes)
        report()
    }

    /// The export ended; `streamed`: its body had started; `lifetime`: seconds since it was asked for.
    public func release(_ outcome: Outcome, streamed: Bool = true, lifetime: Double? = nil) {
        climb.release(outcome, streamed: streamed, now: now, bytes: bytes, lifetime: lifetime)
        report()
    }
}
