import Foundation
import GRDB
import ProtectAPI

/// What the archive knows about one event: its facts, the clip that holds it, and how saving it went.
public struct EventRecord: Sendable, Codable, Equatable, FetchableRecord {
    /// `saved`: its clip is in the archive and checked; `failed`: not yet had, tried again later; `abandoned`:
    /// tried as often as allowed (the reason says why).
    public enum Status: String, Sendable, Codable {
        case saved, failed, abandoned
    }

    public var id: String
    public var cameraID: String
    public var type: String
    /// Smart detection types, comma-separated.
    public var smartTypes: String
    public var score: Int
    public var start: Int64
    public var end: Int64
    /// The clip, relative to the destination (several events can share one merged clip).
    public var path: String?
    public var size: Int64
    public var sha256: String?
    public var status: Status
    public var attempts: Int
    public var lastReason: String?
    public var updatedAt: Int64
}

extension ArchiveState {
    /// The state's key for event clips of a stream: `event:` before the stream's own key.
    public static func eventStream(_ variant: ExportVariant) -> String { "event:" + variant.streamKey }

    static func registerEventMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3 events") { db in
            try db.create(table: "event") { table in
                table.primaryKey("id", .text)
                table.column("cameraID", .text).notNull()
                table.column("type", .text).notNull()
                table.column("smartTypes", .text).notNull().defaults(to: "")
                table.column("score", .integer).notNull().defaults(to: 0)
                table.column("start", .integer).notNull()
                table.column("end", .integer).notNull()
                table.column("path", .text)
                table.column("size", .integer).notNull().defaults(to: 0)
                table.column("sha256", .text)
                table.column("status", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("lastReason", .text)
                table.column("updatedAt", .integer).notNull()
            }
            try db.create(index: "event_by_end", on: "event", columns: ["end"])
        }
    }

    /// One event's row.
    public func event(id: String) throws -> EventRecord? {
        try read { db in try EventRecord.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [id]) }
    }

    /// Every event row of a status (all when nil), by end.
    public func events(status: EventRecord.Status? = nil) throws -> [EventRecord] {
        try read { db in
            if let status {
                return try EventRecord.fetchAll(
                    db, sql: "SELECT * FROM event WHERE status = ? ORDER BY end, id", arguments: [status.rawValue])
            }
            return try EventRecord.fetchAll(db, sql: "SELECT * FROM event ORDER BY end, id")
        }
    }

    /// Records one saved piece of an event clip as a segment of the `event:` stream (so `verify` and `manifest`
    /// cover it). The events are recorded saved only once every piece is (`recordEventsSaved`).
    public func recordEventPiece(
        stream: String, cameraID: String, start: Int64, end: Int64, path: String, size: Int64, sha256: String,
        duration: Double?, adopted: Bool = false
    ) throws {
        try recordComplete(
            cameraID: cameraID, stream: stream, start: start, end: end, path: path, size: size, sha256: sha256,
            adopted: adopted, duration: duration)
    }

    /// Records the events of a clip whose pieces are all saved (path, size and SHA-256 of its last piece), as one
    /// attempt each, in one transaction.
    public func recordEventsSaved(_ events: [Event], path: String, size: Int64, sha256: String?) throws {
        let now = clock.now()
        try write { db in
            for event in events {
                try Self.upsertEvent(
                    db, event, path: path, size: size, sha256: sha256, status: .saved, reason: nil, now: now)
            }
        }
    }

    /// Records a failed attempt at an event's clip; past `cap` attempts it is abandoned. Returns the row.
    @discardableResult
    public func recordEventFailure(_ event: Event, reason: String, cap: Int) throws -> EventRecord {
        let now = clock.now()
        return try write { db in
            let attempts =
                (try Int.fetchOne(db, sql: "SELECT attempts FROM event WHERE id = ?", arguments: [event.id]))
                ?? 0
            let status: EventRecord.Status = attempts + 1 >= cap ? .abandoned : .failed
            try Self.upsertEvent(db, event, path: nil, size: 0, sha256: nil, status: status, reason: reason, now: now)
            return try EventRecord.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [event.id])!
        }
    }

    /// Records an event the archive will not save (its reason says why), so it is not considered again.
    public func recordEventAbandoned(_ event: Event, reason: String) throws {
        let now = clock.now()
        try write { db in
            try Self.upsertEvent(
                db, event, path: nil, size: 0, sha256: nil, status: .abandoned, reason: reason, now: now)
        }
    }

    static func upsertEvent(
        _ db: Database, _ event: Event, path: String?, size: Int64, sha256: String?, status: EventRecord.Status,
        reason: String?, now: Int64
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO event (id, cameraID, type, smartTypes, score, start, end, path, size, sha256, status,
                    attempts, lastReason, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET cameraID = excluded.cameraID, type = excluded.type,
                    smartTypes = excluded.smartTypes, score = excluded.score, start = excluded.start,
                    end = excluded.end, path = excluded.path, size = excluded.size, sha256 = excluded.sha256,
                    status = excluded.status, attempts = event.attempts + 1, lastReason = excluded.lastReason,
                    updatedAt = excluded.updatedAt
                """,
            arguments: [
                event.id, event.camera ?? "", event.type, event.smartDetectTypes.joined(separator: ","), event.score,
                event.start, event.end ?? event.start, path, size, sha256, status.rawValue, reason, now,
            ])
    }
}
