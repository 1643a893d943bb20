import Foundation
import GRDB

extension ArchiveState {
    /// The complete files of a camera's stream: start and path only (two columns), so a year of hours is read at
    /// once for the destination check.
    public func completeFiles(cameraID: String, stream: String) throws -> [(start: Int64, path: String)] {
        try read { db in
            var files: [(start: Int64, path: String)] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT start, path FROM segment WHERE cameraID = ? AND stream = ? AND status = 'complete'",
                arguments: [cameraID, stream])
            while let row = try rows.next() { files.append((row[0], row[1])) }
            return files
        }
    }

    /// Marks complete files found gone from the destination as `missing` (their size and hash are kept, so
    /// `verify` and `status` still show them); the next `sync` fetches each again while the console still has it.
    public func recordMissing(paths: [String], reason: String) throws {
        guard !paths.isEmpty else { return }
        let now = clock.now()
        try write { db in
            for path in paths {
                try db.execute(
                    sql: """
                        UPDATE segment SET status = 'missing', lastReason = ?, updatedAt = ?
                        WHERE path = ? AND status = 'complete'
                        """, arguments: [reason, now, path])
            }
        }
    }

    /// Marks a file recorded `missing` as complete again: it is back at its name with its recorded hash (restored
    /// by hand and checked by `verify`).
    public func recordRestored(path: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE segment SET status = 'complete', lastReason = NULL, updatedAt = ? "
                    + "WHERE path = ? AND status = 'missing'", arguments: [clock.now(), path])
        }
    }
}
