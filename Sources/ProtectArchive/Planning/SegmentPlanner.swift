import Foundation

/// One piece of a range: at most an hour, ending on a clock hour of the display zone (except the last).
public struct Segment: Sendable, Hashable {
    /// First millisecond.
    public var start: Int64
    /// The next segment's start (exclusive end).
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// The export's `end` parameter: one millisecond before the next segment starts, so nothing falls between.
    public var requestEnd: Int64 { end - 1 }
    /// The end shown in file names: one second before the next segment starts.
    public var displayEnd: Int64 { end - 1000 }
}

/// Splits a range into one-hour segments aligned to the clock hour.
public enum SegmentPlanner {
    static let hour: Int64 = 3_600_000

    /// Segments covering `[start, end)` with no gaps and no overlaps.
    public static func segments(from start: Int64, to end: Int64, in zone: DisplayZone) -> [Segment] {
        guard start < end else { return [] }
        var segments: [Segment] = []
        var cursor = start
        if let phase = regularPhase(from: start, to: end, in: zone) {
            // Every offset in the range a whole number of hours apart (every zone but a few): boundaries are the
            // instants b with (b + phase) divisible by an hour, found by arithmetic, not a zone lookup per hour.
            func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
            segments.reserveCapacity(count(from: start, to: end, in: zone))
            while cursor < end {
                let boundary = min((floorDiv(cursor + phase, hour) + 1) * hour - phase, end)
                segments.append(Segment(start: cursor, end: boundary))
                cursor = boundary
            }
            return segments
        }
        return segmentsByLookup(from: start, to: end, in: zone)
    }

    /// The same segments found boundary by boundary, asking the zone each time (the general way, and the
    /// reference the arithmetic is tested against).
    static func segmentsByLookup(from start: Int64, to end: Int64, in zone: DisplayZone) -> [Segment] {
        var segments: [Segment] = []
        var cursor = start
        while cursor < end {
            let boundary = min(nextHourBoundary(after: cursor, in: zone), end)
            segments.append(Segment(start: cursor, end: boundary))
            cursor = boundary
        }
        return segments
    }

    /// How many segments `segments(from:to:in:)` would give, without listing them: counted by arithmetic where
    /// the zone's hour boundaries are regular (every offset in the range a whole number of hours apart), which is
    /// every zone but a few, so a range of years is counted at once.
    public static func count(from start: Int64, to end: Int64, in zone: DisplayZone) -> Int {
        guard start < end else { return 0 }
        if let phase = regularPhase(from: start, to: end, in: zone) {
            // Boundaries are the instants b with (b + phase) divisible by an hour; count those strictly inside.
            func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
            let inside = floorDiv(end - 1 + phase, hour) - floorDiv(start + phase, hour)
            return Int(inside) + 1
        }
        var count = 0
        var cursor = start
        while cursor < end {
            cursor = min(nextHourBoundary(after: cursor, in: zone), end)
            count += 1
        }
        return count
    }

    /// The zone's offset modulo an hour when it is the same across the range, else nil.
    static func regularPhase(from start: Int64, to end: Int64, in zone: DisplayZone) -> Int64? {
        switch zone {
        case .fixed(let seconds):
            return (Int64(seconds) * 1000 % hour + hour) % hour
        case .named(let identifier):
            guard let timeZone = TimeZone(identifier: identifier) else { return 0 }
            let phase = (Int64(timeZone.secondsFromGMT(for: Date(milliseconds: start))) * 1000 % hour + hour) % hour
            // `nextHourBoundary` looks up to an hour ahead of the last segment's start, so a change of phase within
            // an hour after the end shapes the plan too.
            var moment = Date(milliseconds: start)
            while let transition = timeZone.nextDaylightSavingTimeTransition(after: moment),
                transition < Date(milliseconds: end + hour)
            {
                let offset = Int64(timeZone.secondsFromGMT(for: transition)) * 1000
                if (offset % hour + hour) % hour != phase { return nil }
                moment = transition
            }
            return phase
        }
    }

    /// The last whole hour of the zone at or before `t`.
    static func hourFloor(_ t: Int64, in zone: DisplayZone) -> Int64 {
        var boundary = SegmentPlanner.nextHourBoundary(after: t - 2 * hour, in: zone)
        while true {
            let next = SegmentPlanner.nextHourBoundary(after: boundary, in: zone)
            if next > t { return boundary }
            boundary = next
        }
    }

    /// The first instant after `t` at which the zone's wall clock shows a whole hour.
    public static func nextHourBoundary(after t: Int64, in zone: DisplayZone) -> Int64 {
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
        let offset = Int64(zone.offsetSeconds(at: t)) * 1000
        var candidate = (floorDiv(t + offset, hour) + 1) * hour - offset
        let candidateOffset = Int64(zone.offsetSeconds(at: candidate)) * 1000
        if candidateOffset != offset {
            // A daylight-saving change lies between: place the boundary by the wall clock after it.
            let adjusted = (floorDiv(t + candidateOffset, hour) + 1) * hour - candidateOffset
            if adjusted > t { candidate = min(candidate, adjusted) }
        }
        return candidate > t ? candidate : t + hour
    }
}

extension Date {
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
