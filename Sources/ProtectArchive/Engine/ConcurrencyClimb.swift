/// The decisions of `ConcurrencyGovernor`, apart from any clock: time is given in seconds by the caller, so the climb
/// can be driven by a model console in tests as well as by real exports.
///
/// It measures the bytes per second of all exports together at a level (once every slot has asked and, as far as
/// the console's usual time to first byte allows, is streaming), keeps what each level gave, and moves to the best
/// level's unmeasured neighbour: doubling while each step brought throughput almost in proportion (a console limited
/// per export, like TCP's slow start), one at a time after that, and back into a gap it jumped over when a doubling
/// brought much less than proportion (the best may be between), and one below when nothing above was better and
/// nothing below was tried. A level must beat a lower one by 8% to be preferred.
/// A refusal beside other exports ("too many exports") is the console's ceiling. When no neighbour is left, it
/// holds the best level a while, then forgets and measures again (conditions change).
public struct ConcurrencyClimb: Sendable {
    /// How an attempt ended.
    public enum Outcome: Sendable, Equatable {
        case success
        /// Refused because of how many exports run (429, "too many exports").
        case overload(retryAfter: Double?)
        /// Busy for another reason (Protect restarting): a pause, no ceiling.
        case busy(retryAfter: Double?)
        case other
    }

    enum Phase: Equatable {
        /// Waiting for the exports of a new level to ask and start streaming.
        case settling(since: Double)
        /// Counting bytes at this level since `since`, from `bytes`.
        case measuring(since: Double, bytes: Int64)
        /// At the best level found; measuring again after `until`.
        case holding(until: Double)
        /// Told to run `maximum` at once: never probes.
        case fixed
    }

    public let maximum: Int
    /// The current limit.
    public private(set) var limit: Int
    /// The most exports the console has accepted at once (learnt from refusals).
    public private(set) var ceiling: Int
    /// Refusals and busy answers seen so far.
    public private(set) var overloads = 0
    /// Exports asked for and not yet ended.
    public private(set) var running = 0
    /// New exports wait until then (a refusal's pause).
    public private(set) var pausedUntil: Double?
    private(set) var phase: Phase
    /// Bytes per second measured at each level since the last time the climb started over.
    private(set) var measured: [Int: Double] = [:]
    /// The level this round of measuring began at: levels below it must beat the one above by 8% to be chosen.
    private var anchor: Int
    private var waitingForFirstByte = 0
    private var consecutiveRefusals = 0
    /// Still doubling: every step so far brought throughput almost in proportion.
    private var doubling = true
    private var firstByteSeconds: [Double] = []
    private var lifetimes: [Double] = []
    let baseBackoff: Double
    /// A level must bring this much more throughput than a lower one to be preferred.
    static let requiredGain = 1.08

    /// A climb from `initial` up to `maximum`; `adaptive: false` runs `maximum` at once and only learns ceilings.
    public init(maximum: Int, initial: Int = 2, adaptive: Bool = true, baseBackoff: Double = 2, now: Double = 0) {
        self.maximum = max(1, maximum)
        self.limit = adaptive ? max(1, min(initial, maximum)) : max(1, maximum)
        self.ceiling = max(1, maximum)
        self.anchor = adaptive ? max(1, min(initial, maximum)) : max(1, maximum)
        self.baseBackoff = baseBackoff
        self.phase = adaptive ? .settling(since: now) : .fixed
    }

    /// The median time to first byte seen lately (1 s before any).
    var typicalFirstByte: Double {
        guard !firstByteSeconds.isEmpty else { return 1 }
        return firstByteSeconds.sorted()[firstByteSeconds.count / 2]
    }

    /// The median time from asking for an export to its last byte, lately (the first byte's time before any).
    var typicalLifetime: Double {
        guard !lifetimes.isEmpty else { return typicalFirstByte }
        return lifetimes.sorted()[lifetimes.count / 2]
    }

    /// How long a level is measured: about one export's life, so that exports ending and the next ones' wait for
    /// their first byte are in the measure as they are in the work, not by chance more or less.
    var windowSeconds: Double { min(6, max(1.5, typicalFirstByte, typicalLifetime)) }
    var holdSeconds: Double { max(30, 10 * windowSeconds) }

    /// Starts an export if a slot is free and no pause runs (`bytes`: all bytes received so far).
    public mutating func tryStart(now: Double, bytes: Int64) -> Bool {
        evaluate(now: now, bytes: bytes)
        if let pausedUntil, pausedUntil > now { return false }
        guard running < limit else { return false }
        running += 1
        waitingForFirstByte += 1
        return true
    }

    /// An export's answer arrived after `seconds` (its body starts streaming now).
    public mutating func streaming(after seconds: Double, now: Double, bytes: Int64) {
        waitingForFirstByte = max(0, waitingForFirstByte - 1)
        firstByteSeconds.append(seconds)
        if firstByteSeconds.count > 16 { firstByteSeconds.removeFirst() }
        evaluate(now: now, bytes: bytes)
    }

    /// An export ended; `streamed`: its body had started; `lifetime`: seconds since it was asked for.
    public mutating func release(
        _ outcome: Outcome, streamed: Bool, now: Double, bytes: Int64, lifetime: Double? = nil
    ) {
        running = max(0, running - 1)
        if outcome == .success, streamed, let lifetime {
            lifetimes.append(lifetime)
            if lifetimes.count > 16 { lifetimes.removeFirst() }
        }
        if !streamed { waitingForFirstByte = max(0, waitingForFirstByte - 1) }
        switch outcome {
        case .success, .other:
            consecutiveRefusals = 0
        case .overload(let retryAfter):
            overloads += 1
            consecutiveRefusals += 1
            if running >= 1 {
                // Refused beside others: the console takes no more than those. Levels above are not for us, and
                // the level to measure now is that one; a slot frees when one of them ends.
                ceiling = min(ceiling, running)
                doubling = false
                measured = measured.filter { $0.key <= ceiling }
                anchor = min(anchor, ceiling)
                if limit > ceiling {
                    limit = ceiling
                    if phase != .fixed { phase = .settling(since: now) }
                }
                pause(seconds: retryAfter ?? 0.5, now: now)
            } else {
                // Refused alone: busy for another reason, only a pause.
                pause(seconds: retryAfter ?? backoff, now: now)
            }
        case .busy(let retryAfter):
            overloads += 1
            consecutiveRefusals += 1
            pause(seconds: retryAfter ?? backoff, now: now)
        }
        evaluate(now: now, bytes: bytes)
    }

    private var backoff: Double { baseBackoff * Double(1 << min(max(consecutiveRefusals - 1, 0), 5)) }

    private mutating func pause(seconds: Double, now: Double) {
        let until = now + min(seconds, 120)
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    /// Moves the climb on.
    public mutating func evaluate(now: Double, bytes: Int64) {
        switch phase {
        case .fixed:
            return
        case .settling(let since):
            // Every slot has asked (and exports above a lowered level have ended); every export streams, or has
            // had its usual time to first byte and more.
            guard running == limit else {
                phase = .settling(since: now)
                return
            }
            let waited = now - since
            guard waited >= 0.25, waitingForFirstByte == 0 || waited >= typicalFirstByte + 1 else { return }
            phase = .measuring(since: now, bytes: bytes)
        case .measuring(let since, let start):
            let elapsed = now - since
            guard elapsed >= windowSeconds else { return }
            // A level measured while slots stood empty (the work ran out) says nothing.
            guard running >= limit else {
                phase = .settling(since: now)
                return
            }
            record(rate: Double(bytes - start) / elapsed, now: now)
        case .holding(let until):
            guard now >= until else { return }
            // Conditions change (other clients, a busier console): measure this level again, then its neighbours.
            measured = [:]
            anchor = limit
            phase = .settling(since: now)
        }
    }

    /// The level preferred among those measured: from the level this round began at up, the lowest within 8% of the
    /// highest rate; then down, one level at a time, while each beats the one above by 8%.
    var bestLevel: Int? {
        let upper = measured.filter { $0.key >= anchor }
        let candidates = upper.isEmpty ? measured : upper
        guard let top = candidates.values.max(),
            var best = candidates.filter({ $0.value * Self.requiredGain >= top }).keys.min()
        else { return nil }
        while best - 1 < anchor, let below = measured[best - 1], let rate = measured[best],
            below >= rate * Self.requiredGain
        {
            best -= 1
        }
        return best
    }

    private mutating func record(rate: Double, now: Double) {
        let previous = measured.filter { $0.key < limit }.max { $0.key < $1.key }
        measured[limit] = rate
        let best = bestLevel ?? limit
        let top = min(maximum, ceiling)
        var next: Int?
        if best == limit, let previous {
            // This level won over the one below: how nearly in proportion to the exports added?
            let proportion = (rate / previous.value - 1) / (Double(limit) / Double(previous.key) - 1)
            if proportion < 0.7 { doubling = false }
            if proportion < 0.4, limit - previous.key > 1, measured[(limit + previous.key) / 2] == nil {
                // A jump that brought much less than proportion: the best may lie in the gap.
                next = (limit + previous.key) / 2
            }
        } else if best != limit {
            doubling = false
        }
        // A level above that gave clearly less in all than the best: the console slows down past its best, and
        // what lies between is not worth the exports it would slow.
        let slowerAbove = measured.contains { $0.key > best && $0.value * Self.requiredGain < (measured[best] ?? 0) }
        if next == nil, best < top, !slowerAbove {
            // The first step, knowing nothing, is half as many again; later ones double while in proportion.
            let up =
                doubling && best == limit
                ? min(top, previous == nil ? max(best + 1, best * 3 / 2) : best * 2) : best + 1
            if measured[up] == nil { next = up }
        }
        if next == nil, best > 1, measured[best - 1] == nil, measured.keys.allSatisfy({ $0 >= best }) {
            // Nothing above is better and nothing below was tried: a console may do best with fewer than the
            // start, and slow down past that without refusing.
            next = best - 1
        }
        if let next {
            limit = next
            phase = .settling(since: now)
        } else {
            limit = best
            phase = .holding(until: now + holdSeconds)
        }
    }
}
