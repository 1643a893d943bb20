import Foundation
import GRDB

extension ArchiveState {
    /// A stream's segments that overlap `range`, by start (what a timeline on screen needs, nothing more).
    public func segments(cameraID: String, stream: String, overlapping range: Range<Int64>) throws -> [SegmentRecord] {
        try read { db in
            try SegmentRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM segment WHERE cameraID = ? AND stream = ? AND start < ? AND end > ?
                    ORDER BY start
                    """, arguments: [cameraID, stream, range.upperBound, range.lowerBound])
        }
    }

    /// A camera's events that overlap `range`, by start, at most `limit` of them.
    public func events(cameraID: String, overlapping range: Range<Int64>, limit: Int) throws -> [EventRecord] {
        try read { db in
            try EventRecord.fetchAll(
                db,
                sql: "SELECT * FROM event WHERE cameraID = ? AND start < ? AND end > ? ORDER BY start LIMIT ?",
                arguments: [cameraID, range.upperBound, range.lowerBound, limit])
        }
    }

    /// The first and last hour a camera's stream has rows for.
    public func span(cameraID: String, stream: String) throws -> Range<Int64>? {
        try read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT MIN(start), MAX(end) FROM segment WHERE cameraID = ? AND stream = ?",
                arguments: [cameraID, stream])
            guard let row, let first = row[0] as Int64?, let last = row[1] as Int64?, first < last else { return nil }
            return first..<last
        }
    }
}
