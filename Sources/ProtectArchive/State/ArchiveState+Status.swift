import Foundation
import GRDB

/// A camera's stream as the status sees it before reading its hours: its bytes at final names.
public struct StreamSummary: Sendable, Equatable {
    public var cameraID: String
    public var stream: String
    /// The sizes of its complete files together.
    public var bytes: Int64
}

extension ArchiveState {
    /// Every camera's stream in the state, with the bytes of its complete files (one aggregate query).
    public func streamSummaries() throws -> [StreamSummary] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT cameraID, stream, SUM(CASE WHEN status = 'complete' THEN size ELSE 0 END) AS bytes
                    FROM segment GROUP BY cameraID, stream
                    """
            ).map { StreamSummary(cameraID: $0["cameraID"], stream: $0["stream"], bytes: $0["bytes"] ?? 0) }
        }
    }

    /// Calls `body` with every segment of one stream, oldest first, with its file's last verification (the hash it
    /// had then, and when), one row at a time: none kept in memory.
    public func forEachSegment(
        cameraID: String, stream: String,
        _ body: (SegmentRecord, _ verified: (sha256: String, at: Int64)?) throws -> Void
    ) throws {
        // The body's own error (a closed pipe) comes out as it is, not as a database failure.
        var failure: (any Error)?
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT segment.*, verification.sha256 AS verifiedSHA256, verification.verifiedAt AS verifiedAt
                    FROM segment LEFT JOIN verification ON verification.path = segment.path
                    WHERE cameraID = ? AND stream = ? ORDER BY start
                    """, arguments: [cameraID, stream])
            while let row = try rows.next() {
                let record = try SegmentRecord(row: row)
                let sha: String? = row["verifiedSHA256"]
                let at: Int64? = row["verifiedAt"]
                do {
                    try body(record, sha.flatMap { sha in at.map { (sha, $0) } })
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}
