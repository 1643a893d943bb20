/// Decides how many exports run at once: up to the chosen maximum, halved when the console signals overload
/// (and paused for its `Retry-After` or a back-off), raised again by one after a run of successes.
public actor ConcurrencyGovernor {
    /// How an attempt ended, for the governor.
    public enum Outcome: Sendable {
        case success
        case overload(retryAfter: Double?)
        case other
    }

    public let maximum: Int
    /// The current limit.
    public private(set) var limit: Int
    /// Overload signals seen so far.
    public private(set) var overloads = 0
    private var running = 0
    private var successesSinceChange = 0
    private var pausedUntil: ContinuousClock.Instant?
    private var consecutiveOverloads = 0
    let baseBackoff: Double

    public init(maximum: Int, baseBackoff: Double = 2) {
        self.maximum = max(1, maximum)
        self.limit = max(1, maximum)
        self.baseBackoff = baseBackoff
    }

    /// Waits for a slot (and for any pause to end); cancellable.
    public func acquire() async throws {
        while true {
            try Task.checkCancellation()
            if let pausedUntil, pausedUntil > .now {
                try await Task.sleep(until: pausedUntil)
                continue
            }
            if running < limit {
                running += 1
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    public func release(_ outcome: Outcome) {
        running -= 1
        switch outcome {
        case .success:
            consecutiveOverloads = 0
            successesSinceChange += 1
            if limit < maximum && successesSinceChange >= 2 * limit {
                limit += 1
                successesSinceChange = 0
            }
        case .overload(let retryAfter):
            overloads += 1
            consecutiveOverloads += 1
            successesSinceChange = 0
            limit = max(1, limit / 2)
            let backoff = retryAfter ?? baseBackoff * Double(1 << min(consecutiveOverloads - 1, 5))
            let until = ContinuousClock.now + .milliseconds(Int64(min(backoff, 120) * 1000))
            if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
        case .other:
            break
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
