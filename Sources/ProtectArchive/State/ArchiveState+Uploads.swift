import Foundation
import GRDB

/// One file of a remote archive as protect-dl put it there: where, how big, its hashes, and whether the upload
/// finished (`uploaded`) or was under way when the process stopped (`uploading`, reconciled by the next run).
public struct RemoteFileRecord: Sendable, Codable, Equatable, FetchableRecord {
    /// `uploading`: begun, not confirmed; `uploaded`: at its final name with the size (and hash) checked.
    public enum Status: String, Sendable, Codable {
        case uploading, uploaded
    }

    /// Path relative to the remote root.
    public var path: String
    /// The remote root (`name:path`).
    public var remote: String
    /// The temporary name the upload went to first, on remotes that can rename.
    public var temporary: String?
    public var status: Status
    public var size: Int64
    public var sha256: String?
    public var md5: String?
    /// The hash the remote itself reports (`md5:<hex>` or `sha1:<hex>`), when it has one.
    public var remoteHash: String?
    public var updatedAt: Int64

    /// The remote's hash recorded at upload, to compare a later listing's with: `remoteHash`, or (a row from before
    /// the remote's hash was recorded) the MD5 taken.
    public var recordedHash: (kind: RemoteHashKind, hex: String)? {
        if let parsed = RemoteHashKind.parse(remoteHash) { return parsed }
        guard let md5, !md5.isEmpty else { return nil }
        return (.md5, md5)
    }
}

extension ArchiveState {
    static func registerUploadMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 remote files") { db in
            try db.create(table: "remoteFile") { table in
                table.primaryKey("path", .text)
                table.column("remote", .text).notNull()
                table.column("temporary", .text)
                table.column("status", .text).notNull()
                table.column("size", .integer).notNull().defaults(to: 0)
                table.column("sha256", .text)
                table.column("md5", .text)
                table.column("remoteHash", .text)
                table.column("updatedAt", .integer).notNull()
            }
        }
    }

    /// Notes, before a byte is sent, that `path` is being uploaded (through `temporary` when given).
    public func beginUpload(path: String, remote: String, temporary: String?) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO remoteFile (path, remote, temporary, status, size, updatedAt)
                    VALUES (?, ?, ?, 'uploading', 0, ?)
                    ON CONFLICT(path) DO UPDATE SET remote = excluded.remote, temporary = excluded.temporary,
                        status = 'uploading', updatedAt = excluded.updatedAt
                    """, arguments: [path, remote, temporary, clock.now()])
        }
    }

    /// Records a finished, checked upload.
    public func finishUpload(path: String, size: Int64, sha256: String, md5: String, remoteHash: String?) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE remoteFile SET status = 'uploaded', temporary = NULL, size = ?, sha256 = ?, md5 = ?,
                        remoteHash = ?, updatedAt = ? WHERE path = ?
                    """, arguments: [size, sha256, md5, remoteHash, clock.now(), path])
        }
    }

    /// Forgets a file's row (an upload given up and cleaned away, or a file deleted by retention).
    public func forgetRemoteFile(path: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM remoteFile WHERE path = ?", arguments: [path]) }
    }

    /// Rows of one status (all when nil), by path.
    public func remoteFiles(status: RemoteFileRecord.Status? = nil) throws -> [RemoteFileRecord] {
        try read { db in
            if let status {
                return try RemoteFileRecord.fetchAll(
                    db, sql: "SELECT * FROM remoteFile WHERE status = ? ORDER BY path", arguments: [status.rawValue])
            }
            return try RemoteFileRecord.fetchAll(db, sql: "SELECT * FROM remoteFile ORDER BY path")
        }
    }

    /// One file's row.
    public func remoteFile(path: String) throws -> RemoteFileRecord? {
        try read { db in
            try RemoteFileRecord.fetchOne(db, sql: "SELECT * FROM remoteFile WHERE path = ?", arguments: [path])
        }
    }

    /// The complete segment recorded at `path`, if any.
    func completeSegment(path: String) throws -> SegmentRecord? {
        try read { db in
            try SegmentRecord.fetchOne(
                db, sql: "SELECT * FROM segment WHERE path = ? AND status = 'complete' LIMIT 1", arguments: [path])
        }
    }
}
