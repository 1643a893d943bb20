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
        while cursor < end {
            let boundary = min(nextHourBoundary(after: cursor, in: zone), end)
            segments.append(Segment(start: cursor, end: boundary))
            cursor = boundary
        }
        return segments
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
    static func nextHourBoundary(after t: Int64, in zone: DisplayZone) -> Int64 {
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
