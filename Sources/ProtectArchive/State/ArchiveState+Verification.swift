import Foundation
import GRDB

extension ArchiveState {
    static func registerVerificationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5 verification") { db in
            try db.create(table: "verification") { table in
                table.primaryKey("path", .text)
                table.column("sha256", .text).notNull()
                table.column("verifiedAt", .integer).notNull()
            }
        }
    }

    /// Notes that these files were read back and matched their recorded SHA-256 at `moment`.
    public func recordVerified(_ files: [(path: String, sha256: String)], at moment: Int64) throws {
        guard !files.isEmpty else { return }
        try write { db in
            for file in files {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO verification (path, sha256, verifiedAt) VALUES (?, ?, ?)",
                    arguments: [file.path, file.sha256, moment])
            }
        }
    }

    /// The SHA-256 each file had when it was last verified, and when. A file downloaded again since has another
    /// hash, so it counts as not yet verified.
    public func verifications() throws -> [String: (sha256: String, at: Int64)] {
        try read { db in
            var result: [String: (sha256: String, at: Int64)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT path, sha256, verifiedAt FROM verification") {
                result[row["path"]] = (row["sha256"], row["verifiedAt"])
            }
            return result
        }
    }
}
