import Foundation
import GRDB

/// A camera's newest footage safely in the archive, and what the console last said of it.
public struct CameraFootage: Sendable, Equatable {
    public var cameraID: String
    public var name: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Whether the console said the camera is connected (nil: never said).
    public var connected: Bool?
    /// The end of its newest complete hour or saved clip (milliseconds since 1970); nil: none yet.
    public var newest: Int64?
}

extension ArchiveState {
    static func registerAlertMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerts") { db in
            try db.create(table: "alert") { table in
                table.column("kind", .text).notNull()
                table.column("console", .text).notNull()
                table.column("subject", .text).notNull()
                table.column("since", .integer).notNull()
                table.column("raisedAt", .integer)
                table.column("lastSent", .integer)
                table.column("reminders", .integer).notNull().defaults(to: 0)
                table.column("detail", .text).notNull()
                table.column("label", .text)
                table.primaryKey(["kind", "console", "subject"])
            }
            try db.alter(table: "camera") { table in table.add(column: "connected", .boolean) }
        }
    }

    /// The open conditions and remembered notices, as the last run left them.
    public func alerts() throws -> [AlertRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert ORDER BY console, kind, subject").compactMap { row in
                guard let kind = AlertKind(rawValue: row["kind"]) else { return nil }
                return AlertRecord(
                    key: AlertKey(kind, console: row["console"], subject: row["subject"]), since: row["since"],
                    raisedAt: row["raisedAt"], lastSent: row["lastSent"], reminders: row["reminders"],
                    detail: row["detail"], label: row["label"])
            }
        }
    }

    /// Keeps `records` (added or changed) and forgets `removed`, in one transaction; other alerts (another
    /// command's, such as verify's) are left as they are.
    public func saveAlerts(_ records: [AlertRecord], removing removed: [AlertKey]) throws {
        try write { db in
            for key in removed {
                try db.execute(
                    sql: "DELETE FROM alert WHERE kind = ? AND console = ? AND subject = ?",
                    arguments: [key.kind.rawValue, key.console, key.subject])
            }
            for record in records {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO alert
                        (kind, console, subject, since, raisedAt, lastSent, reminders, detail, label)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.key.kind.rawValue, record.key.console, record.key.subject, record.since,
                        record.raisedAt, record.lastSent, record.reminders, record.detail, record.label,
                    ])
            }
        }
    }

    /// Remembers whether the console says each camera is connected.
    public func recordCameraConnections(_ cameras: [(id: String, connected: Bool)]) throws {
        try write { db in
            for camera in cameras {
                try db.execute(
                    sql: "UPDATE camera SET connected = ? WHERE id = ?", arguments: [camera.connected, camera.id])
            }
        }
    }

    /// Every camera the archive has seen, with its newest footage in the archive (hours and clips).
    public func cameraFootage() throws -> [CameraFootage] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT camera.*,
                      MAX(
                        COALESCE((SELECT MAX(end) FROM segment
                                  WHERE segment.cameraID = camera.id AND status = 'complete'), 0),
                        COALESCE((SELECT MAX(end) FROM event
                                  WHERE event.cameraID = camera.id AND status = 'saved'), 0)) AS newest
                    FROM camera ORDER BY firstSeen, name
                    """
            ).map { row in
                let newest: Int64 = row["newest"] ?? 0
                return CameraFootage(
                    cameraID: row["id"], name: row["name"], firstSeen: row["firstSeen"], lastSeen: row["lastSeen"],
                    connected: row["connected"], newest: newest > 0 ? newest : nil)
            }
        }
    }
}
