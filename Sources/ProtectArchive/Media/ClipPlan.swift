import Foundation

/// Which archive files make up a range of one camera's stream, where each is cut, and where footage is missing.
public struct ClipPlan: Sendable, Equatable {
    /// One archive file's part of the range.
    public struct Piece: Sendable, Equatable {
        /// Path relative to the archive.
        public var path: String
        /// The first millisecond the file shows and the one after its last: its hour, or the part of it the file
        /// holds when it is shorter (see `make`).
        public var start: Int64
        public var end: Int64
        /// Seconds into the file where the range starts (nil: from its start).
        public var inpoint: Double?
        /// Seconds into the file where the range ends (nil: to its end).
        public var outpoint: Double?
        /// An absolute path outside the archive (footage fetched from the console), used instead of `path`.
        public var file: String?
        /// The file's length for joining it to the next, when it is not its own (a copy of its key frames alone).
        public var duration: Double?

        /// Where the piece's file is.
        public func location(in destination: URL) -> String {
            file ?? destination.appendingPathComponent(path).path
        }

        /// The wall-clock milliseconds this piece covers.
        public var covered: Range<Int64> {
            (start + Int64(((inpoint ?? 0) * 1000).rounded()))..<(outpoint.map { start + Int64(($0 * 1000).rounded()) }
                ?? end)
        }
    }

    public var pieces: [Piece]
    /// The parts of the range no complete file covers, in order.
    public var gaps: [Range<Int64>]

    public init(pieces: [Piece], gaps: [Range<Int64>]) {
        self.pieces = pieces
        self.gaps = gaps
    }

    /// The plan for `range` from a stream's segments (only complete ones count as footage).
    ///
    /// A file shorter than its hour (by its recorded duration) holds the end of the hour when the hour before has no
    /// file (the recording began in it), else the start (the recording stopped in it); the rest is a gap.
    public static func make(segments: [SegmentRecord], range: Range<Int64>) -> ClipPlan {
        let complete = segments.filter { $0.status == .complete }
        let ends = Set(complete.map(\.end))
        let usable = complete.map { segment -> SegmentRecord in
            guard let duration = segment.duration else { return segment }
            let held = Int64((duration * 1000).rounded())
            guard held > 0, held < segment.end - segment.start - 2000 else { return segment }
            var part = segment
            if ends.contains(segment.start) { part.end = segment.start + held } else { part.start = segment.end - held }
            return part
        }
        .filter { $0.start < range.upperBound && $0.end > range.lowerBound }.sorted { $0.start < $1.start }
        var pieces: [Piece] = []
        var gaps: [Range<Int64>] = []
        var cursor = range.lowerBound
        for segment in usable where segment.end > cursor {
            if segment.start > cursor { gaps.append(cursor..<segment.start) }
            let from = max(cursor, segment.start)
            pieces.append(
                Piece(
                    path: segment.path, start: segment.start, end: segment.end,
                    inpoint: from > segment.start ? Double(from - segment.start) / 1000 : nil,
                    outpoint: range.upperBound < segment.end ? Double(range.upperBound - segment.start) / 1000 : nil))
            cursor = min(segment.end, range.upperBound)
            if cursor >= range.upperBound { break }
        }
        if cursor < range.upperBound { gaps.append(cursor..<range.upperBound) }
        return ClipPlan(pieces: pieces, gaps: gaps)
    }
}
