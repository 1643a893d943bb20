import Foundation
import GRDB

extension ArchiveState {
    /// Every segment of a camera's stream, by start.
    public func segments(cameraID: String, stream: String) throws -> [Int64: SegmentRecord] {
        let rows = try read { db in
            try SegmentRecord.fetchAll(
                db, sql: "SELECT * FROM segment WHERE cameraID = ? AND stream = ?", arguments: [cameraID, stream])
        }
        return Dictionary(rows.map { ($0.start, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The starts of a camera's stream that need no download (complete, pruned or short), and those the console had no
    /// footage for: two columns, not whole rows, so a year of hours is read at once.
    public func settledStarts(cameraID: String, stream: String) throws -> (done: Set<Int64>, empty: Set<Int64>) {
        try read { db in
            var done = Set<Int64>()
            var empty = Set<Int64>()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT start, status FROM segment
                    WHERE cameraID = ? AND stream = ? AND status IN ('complete', 'pruned', 'empty', 'short')
                    """, arguments: [cameraID, stream])
            while let row = try rows.next() {
                let start: Int64 = row[0]
                if row[1] as String == SegmentRecord.Status.empty.rawValue {
                    empty.insert(start)
                } else {
                    done.insert(start)
                }
            }
            return (done, empty)
        }
    }

    /// Calls `body` with every complete segment, oldest first, one row at a time (none kept in memory).
    public func forEachComplete(_ body: (SegmentRecord) throws -> Void) throws {
        try read { db in
            let rows = try SegmentRecord.fetchCursor(
                db, sql: "SELECT * FROM segment WHERE status = 'complete' ORDER BY start, cameraID, stream")
            while let record = try rows.next() { try body(record) }
        }
    }

    /// Complete segments that ended at or before `cutoff` (for retention), oldest first.
    public func completeSegments(endingBy cutoff: Int64) throws -> [SegmentRecord] {
        try read { db in
            try SegmentRecord.fetchAll(
                db,
                sql: "SELECT * FROM segment WHERE status = 'complete' AND end <= ? ORDER BY start, cameraID, stream",
                arguments: [cutoff])
        }
    }

    /// Segments by status (all statuses when nil), oldest first.
    public func segments(status: SegmentRecord.Status? = nil) throws -> [SegmentRecord] {
        try read { db in
            if let status {
                return try SegmentRecord.fetchAll(
                    db, sql: "SELECT * FROM segment WHERE status = ? ORDER BY start, cameraID, stream",
                    arguments: [status.rawValue])
            }
            return try SegmentRecord.fetchAll(db, sql: "SELECT * FROM segment ORDER BY start, cameraID, stream")
        }
    }

    /// Records a complete file.
    public func recordComplete(
        cameraID: String, stream: String, start: Int64, end: Int64, path: String, size: Int64, sha256: String,
        adopted: Bool, duration: Double? = nil
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO segment (cameraID, stream, start, end, path, size, sha256, status, attempts, lastReason,
                        updatedAt, adopted, duration)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'complete', 1, NULL, ?, ?, ?)
                    ON CONFLICT (cameraID, stream, start) DO UPDATE SET end = excluded.end, path = excluded.path,
                        size = excluded.size, sha256 = excluded.sha256, status = 'complete',
                        attempts = segment.attempts + 1, lastReason = NULL, updatedAt = excluded.updatedAt,
                        adopted = excluded.adopted, duration = excluded.duration
                    """,
                arguments: [cameraID, stream, start, end, path, size, sha256, clock.now(), adopted, duration])
        }
    }

    /// Records that the console had no footage, that an attempt failed, or (with the bytes kept) that a recording is
    /// damaged.
    public func recordOutcome(
        cameraID: String, stream: String, start: Int64, end: Int64, path: String, status: SegmentRecord.Status,
        reason: String?, attempts: Int, size: Int64 = 0
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO segment (cameraID, stream, start, end, path, size, sha256, status, attempts, lastReason,
                        updatedAt, adopted)
                    VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 0)
                    ON CONFLICT (cameraID, stream, start) DO UPDATE SET end = excluded.end, path = excluded.path,
                        size = excluded.size, sha256 = NULL, status = excluded.status,
                        attempts = segment.attempts + excluded.attempts, lastReason = excluded.lastReason,
                        updatedAt = excluded.updatedAt
                    """,
                arguments: [cameraID, stream, start, end, path, size, status.rawValue, attempts, reason, clock.now()])
        }
    }

    /// Marks a segment's file as removed by retention.
    public func recordPruned(cameraID: String, stream: String, start: Int64) throws {
        try write { db in
            try db.execute(
                sql:
                    "UPDATE segment SET status = 'pruned', updatedAt = ? WHERE cameraID = ? AND stream = ? AND start = ?",
                arguments: [clock.now(), cameraID, stream, start])
        }
    }
}
