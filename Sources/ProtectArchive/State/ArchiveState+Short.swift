import Foundation
import GRDB

extension ArchiveState {
    /// Records a damaged recording: the console ended every attempt at `size` bytes, kept at `path` (the hour's name
    /// with `.short` before `.mp4`); later passes leave it.
    public func recordShort(
        cameraID: String, stream: String, start: Int64, end: Int64, path: String, size: Int64, reason: String,
        attempts: Int
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO segment (cameraID, stream, start, end, path, size, sha256, status, attempts, lastReason,
                        updatedAt, adopted)
                    VALUES (?, ?, ?, ?, ?, ?, NULL, 'short', ?, ?, ?, 0)
                    ON CONFLICT (cameraID, stream, start) DO UPDATE SET end = excluded.end, path = excluded.path,
                        size = excluded.size, sha256 = NULL, status = 'short',
                        attempts = segment.attempts + excluded.attempts, lastReason = excluded.lastReason,
                        updatedAt = excluded.updatedAt
                    """,
                arguments: [cameraID, stream, start, end, path, size, attempts, reason, clock.now()])
        }
    }
}
