import Synchronization

/// How a failed step is tried again: how often, how long to wait between attempts (growing, with seeded jitter,
/// the console's `Retry-After` honoured), and the time source that waits. Every retrying loop of the client, the
/// download engine and the services goes through one of these.
public struct RetryPolicy: Sendable {
    /// How the wait grows with the attempt number `n` (1 for the first retry).
    public enum Growth: Sendable, Equatable {
        /// `delay × 2^(n-1)`.
        case doubling
        /// `delay × min(n, steps)`.
        case linear(steps: Int)
    }

    /// What the console's `Retry-After` (see `ProtectError.retryAfter`) does to the wait.
    public enum RetryAfter: Sendable, Equatable {
        /// Not looked at.
        case ignored
        /// The wait is at least the console's, itself at most `ceiling` seconds.
        case atLeast(ceiling: Double)
        /// The console's wait replaces the computed one.
        case instead
    }

    /// What a failed attempt leads to.
    public enum Decision: Sendable, Equatable {
        /// The failure is final: it is thrown.
        case fail
        /// Wait as the policy says, then try again; counts against `retries`.
        case retry
        /// Try again at once, without counting it (the caller paces such attempts itself).
        case retryUncounted
    }

    /// Attempts after the first.
    public var retries: Int
    /// Seconds before the first retry.
    public var delay: Double
    public var growth: Growth
    /// The wait is multiplied by a random factor in `1 ± jitter`.
    public var jitter: Double
    public var retryAfter: RetryAfter
    /// No wait is longer than this.
    public var maximumDelay: Double
    /// Waits (and is moved on instead, in tests).
    public var time: TimeSource
    private let random: RandomSource

    public init(
        retries: Int, delay: Double, growth: Growth = .doubling, jitter: Double = 0, retryAfter: RetryAfter = .ignored,
        maximumDelay: Double = .infinity, time: TimeSource = .system, seed: UInt64 = .random(in: 0...UInt64.max)
    ) {
        self.retries = retries
        self.delay = delay
        self.growth = growth
        self.jitter = jitter
        self.retryAfter = retryAfter
        self.maximumDelay = maximumDelay
        self.time = time
        self.random = RandomSource(seed: seed)
    }

    /// The wait before retry number `attempt` (1 for the first) after `error`.
    public func delay(beforeRetry attempt: Int, after error: (any Error)?) -> Double {
        var wait: Double
        switch growth {
        case .doubling: wait = delay * pow2(attempt - 1)
        case .linear(let steps): wait = delay * Double(min(max(1, attempt), steps))
        }
        if jitter > 0 { wait *= random.factor(spread: jitter) }
        if let asked = (error as? ProtectError)?.retryAfter {
            switch retryAfter {
            case .ignored: break
            case .atLeast(let ceiling): wait = max(wait, min(asked, ceiling))
            case .instead: wait = asked
            }
        }
        return min(wait, maximumDelay)
    }

    /// Runs `attempt` (given its number, from 1; a retry that is not counted keeps the number) until it returns, or `decide` calls a failure final or the retries
    /// are spent; then throws the last failure. `onRetry` hears of each retry and its wait before it happens.
    /// Cancellation is never retried.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation,
        decide: (_ error: any Error, _ attempt: Int) async -> Decision,
        onRetry: (_ error: any Error, _ attempt: Int, _ wait: Double) -> Void = { _, _, _ in },
        _ attempt: (_ number: Int) async throws -> T
    ) async throws -> T {
        var counted = 0
        while true {
            // An uncounted retry keeps its attempt's number.
            let number = counted + 1
            do {
                return try await attempt(number)
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                switch await decide(error, number) {
                case .fail:
                    throw error
                case .retryUncounted:
                    onRetry(error, number, 0)
                case .retry:
                    guard counted < retries else { throw error }
                    counted += 1
                    let wait = delay(beforeRetry: counted, after: error)
                    onRetry(error, number, wait)
                    try await time.sleep(wait)
                }
            }
        }
    }

    /// Runs `attempt` again while the failure is transient within `scope`.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation,
        retryingWithin scope: RetryScope,
        onRetry: (_ error: any Error, _ attempt: Int, _ wait: Double) -> Void = { _, _, _ in },
        _ attempt: (_ number: Int) async throws -> T
    ) async throws -> T {
        try await run(
            isolation: isolation,
            decide: { error, _ in Transience.isTransient(error, within: scope) ? .retry : .fail }, onRetry: onRetry,
            attempt)
    }

    private func pow2(_ exponent: Int) -> Double {
        exponent <= 0 ? 1 : Double(1 << min(exponent, 52))
    }
}

/// The policy's seeded generator, shared by its copies.
private final class RandomSource: Sendable {
    private let generator: Mutex<SplitMix64>

    init(seed: UInt64) { generator = Mutex(SplitMix64(seed: seed)) }

    /// A factor in `1 - spread ... 1 + spread`.
    func factor(spread: Double) -> Double {
        generator.withLock { Double.random(in: (1 - spread)...(1 + spread), using: &$0) }
    }
}
