/// What a timeline shows of one camera over a range: per bucket, how much is archived, empty, failed or missing.
public enum ViewerTimeline {
    /// One bucket: its span and the milliseconds of it in each state.
    public struct Bucket: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        public var archived: Int64 = 0
        public var empty: Int64 = 0
        public var failed: Int64 = 0
        public var missing: Int64 = 0
    }

    /// `count` equal buckets over `range`; time inside `known` (the camera's recorded span) that no row covers, and
    /// pruned hours, count as missing; time outside it as nothing.
    public static func buckets(segments: [SegmentRecord], range: Range<Int64>, count: Int, known: Range<Int64>?)
        -> [Bucket]
    {
        let count = max(1, min(count, 2000))
        let width = max(1, (range.upperBound - range.lowerBound + Int64(count) - 1) / Int64(count))
        var buckets = (0..<count).map { index in
            let start = range.lowerBound + Int64(index) * width
            return Bucket(start: start, end: min(range.upperBound, start + width))
        }
        func overlap(_ a: Range<Int64>, _ b: Range<Int64>) -> Int64 {
            max(0, min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound))
        }
        for segment in segments {
            let span = segment.start..<segment.end
            let first = max(0, Int((segment.start - range.lowerBound) / width))
            let last = min(count - 1, Int((segment.end - 1 - range.lowerBound) / width))
            guard first <= last else { continue }
            for index in first...last {
                let amount = overlap(span, buckets[index].start..<buckets[index].end)
                switch segment.status {
                case .complete: buckets[index].archived += amount
                case .empty: buckets[index].empty += amount
                case .failed, .short: buckets[index].failed += amount
                case .pruned, .missing: buckets[index].missing += amount
                }
            }
        }
        if let known {
            for index in buckets.indices {
                let inside = overlap(known, buckets[index].start..<buckets[index].end)
                let counted =
                    buckets[index].archived + buckets[index].empty + buckets[index].failed
                    + buckets[index].missing
                buckets[index].missing += max(0, inside - counted)
            }
        }
        return buckets
    }
}
