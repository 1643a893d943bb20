import Foundation
import GRDB

extension ArchiveState {
    /// Remembers the cameras seen now; cameras not seen keep their last name.
    public func recordCameras(_ cameras: [(id: String, name: String)]) throws {
        let now = clock.now()
        try write { db in
            for camera in cameras {
                try db.execute(
                    sql: """
                        INSERT INTO camera (id, name, firstSeen, lastSeen) VALUES (?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, lastSeen = excluded.lastSeen
                        """, arguments: [camera.id, camera.name, now, now])
            }
        }
    }

    /// Every camera the archive has seen.
    public func cameras() throws -> [CameraRecord] {
        try read { db in try CameraRecord.fetchAll(db, sql: "SELECT * FROM camera ORDER BY firstSeen, name") }
    }

    /// Stores a fact about the console (name, version, time zone).
    public func setMeta(_ key: String, _ value: String) throws {
        try write { db in
            try db.execute(
                sql:
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    public func meta(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// SQLite's own consistency check: "ok" when the database is sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}
