import Synchronization

/// Decides how many exports run at once without being told the console's limits: it climbs one export at a time
/// while the bytes per second of all exports together grow by a clear margin (a throughput gradient), steps back
/// to the best level when one more export brings nothing (a console past its best concurrency gets slower; a level
/// whose throughput grew almost in proportion climbs by half as many again), and
/// takes an overload answer (too many exports) as the console's ceiling, pausing for `Retry-After` or a back-off.
/// Each level is measured only after its exports have started streaming (their time to first byte is learnt), over
/// a window that grows with that time. `maximum` (`--parallel`) bounds it.
public actor ConcurrencyGovernor {
    /// How an attempt ended, for the governor.
    public enum Outcome: Sendable {
        case success
        case overload(retryAfter: Double?)
        /// Busy for another reason (Protect restarting): a pause, no ceiling.
        case busy(retryAfter: Double?)
        case other
    }

    /// Where the climb is.
    enum Phase {
        /// Waiting for the exports of a new level to start streaming.
        case settling(since: ContinuousClock.Instant)
        /// Counting bytes at this level since `since`, from `bytes`.
        case measuring(since: ContinuousClock.Instant, bytes: Int64)
        /// At the best level found; probing again after `until`.
        case holding(until: ContinuousClock.Instant)
    }

    public let maximum: Int
    /// The current limit.
    public private(set) var limit: Int
    /// Overload signals seen so far.
    public private(set) var overloads = 0
    /// The most exports the console has accepted at once (learnt from overload answers).
    public private(set) var ceiling: Int
    private var running = 0
    private var waitingForFirstByte = 0
    private var pausedUntil: ContinuousClock.Instant?
    private var consecutiveOverloads = 0
    private var phase: Phase
    private var best: (limit: Int, rate: Double)?
    private var firstByteSeconds: [Double] = []
    private let clock = ContinuousClock()
    private nonisolated let meter = Mutex<Int64>(0)
    let baseBackoff: Double
    /// A level must bring this much more throughput than the one below to be kept.
    let requiredGain = 1.08

    public init(maximum: Int, initial: Int = 2, baseBackoff: Double = 2) {
        self.maximum = max(1, maximum)
        self.limit = max(1, min(initial, maximum))
        self.ceiling = max(1, maximum)
        self.baseBackoff = baseBackoff
        self.phase = .settling(since: ContinuousClock.now)
    }

    /// Counts bytes received by any export (called for every chunk; no actor hop).
    public nonisolated func add(bytes: Int) {
        meter.withLock { $0 += Int64(bytes) }
    }

    /// Waits for a slot (and for any pause to end); cancellable.
    public func acquire() async throws {
        while true {
            try Task.checkCancellation()
            evaluate()
            if let pausedUntil, pausedUntil > clock.now {
                try await Task.sleep(until: pausedUntil)
                continue
            }
            if running < limit {
                running += 1
                waitingForFirstByte += 1
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// The export's answer has arrived (its body starts now): how long the console took is learnt.
    public func streaming(after seconds: Double) {
        waitingForFirstByte = max(0, waitingForFirstByte - 1)
        firstByteSeconds.append(seconds)
        if firstByteSeconds.count > 16 { firstByteSeconds.removeFirst() }
        evaluate()
    }

    public func release(_ outcome: Outcome, streamed: Bool = true) {
        running -= 1
        if !streamed { waitingForFirstByte = max(0, waitingForFirstByte - 1) }
        switch outcome {
        case .success:
            consecutiveOverloads = 0
        case .overload(let retryAfter):
            overloads += 1
            consecutiveOverloads += 1
            // Refused beside others: the console takes no more than those, its ceiling and the level to stay at.
            // (Refused alone, it is busy for another reason: only the pause applies.)
            if running >= 1 { ceiling = min(ceiling, running) }
            limit = min(limit, ceiling)
            if consecutiveOverloads > 1 { limit = max(1, limit - 1) }
            best = nil
            phase = .holding(until: clock.now + .seconds(holdSeconds))
            pause(retryAfter: retryAfter)
        case .busy(let retryAfter):
            overloads += 1
            consecutiveOverloads += 1
            pause(retryAfter: retryAfter)
        case .other:
            break
        }
        evaluate()
    }

    /// Pauses new exports for `Retry-After`, or a back-off that doubles with each overload in a row.
    private func pause(retryAfter: Double?) {
        let backoff = retryAfter ?? baseBackoff * Double(1 << min(consecutiveOverloads - 1, 5))
        let until = clock.now + .milliseconds(Int64(min(backoff, 120) * 1000))
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    /// The median time to first byte seen lately (1 s before any).
    var typicalFirstByte: Double {
        guard !firstByteSeconds.isEmpty else { return 1 }
        return firstByteSeconds.sorted()[firstByteSeconds.count / 2]
    }

    /// How long a level is measured: long enough that an export finishing and the next one's wait for its first
    /// byte does not decide it.
    var windowSeconds: Double { min(5, max(2, 1.5 * typicalFirstByte)) }
    var holdSeconds: Double { max(20, 10 * windowSeconds) }

    /// Moves the climb on, from whatever called in.
    private func evaluate() {
        let now = clock.now
        switch phase {
        case .settling(let since):
            // Every slot busy and streaming, a little after the last one started.
            guard running >= limit, waitingForFirstByte == 0,
                (now - since).inSeconds >= min(1, typicalFirstByte)
            else { return }
            phase = .measuring(since: now, bytes: meter.withLock { $0 })
        case .measuring(let since, let bytes):
            let elapsed = (now - since).inSeconds
            guard elapsed >= windowSeconds else { return }
            // A level measured while slots stood empty (the work ran out) says nothing.
            guard running >= limit else {
                phase = .settling(since: now)
                return
            }
            let rate = Double(meter.withLock { $0 } - bytes) / elapsed
            if let best, rate < best.rate * requiredGain {
                // One more export brought nothing: back to the best level, and stay there a while.
                limit = best.limit
                phase = .holding(until: now + .seconds(holdSeconds))
                return
            }
            // Throughput that grew almost in proportion to the exports added (a console limited per export, not in
            // all) climbs faster: half as many again, not one.
            let nearlyLinear = best.map { rate >= $0.rate * (1 + 0.7 * Double(limit - $0.limit) / Double($0.limit)) }
            best = (limit, rate)
            if limit < min(maximum, ceiling) {
                let step = nearlyLinear == true ? max(1, limit / 2) : 1
                limit = min(limit + step, maximum, ceiling)
                phase = .settling(since: now)
            } else {
                phase = .holding(until: now + .seconds(holdSeconds))
            }
        case .holding(let until):
            guard now >= until else { return }
            // Conditions change (other clients, a busier console): measure this level again, then probe above.
            best = nil
            phase = .settling(since: now)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
