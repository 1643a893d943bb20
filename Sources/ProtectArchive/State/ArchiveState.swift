import Crypto
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// What the archive knows about one segment of one camera's stream.
public struct SegmentRecord: Sendable, Codable, Equatable, FetchableRecord {
    /// `complete`: the file is there and checked; `empty`: the console had no footage; `failed`: not yet had;
    /// `pruned`: removed by retention.
    public enum Status: String, Sendable, Codable {
        case complete, empty, failed, pruned
    }

    public var cameraID: String
    /// The stream: `0`, `1`, `2` or `package`, with a timelapse suffix where one was asked.
    public var stream: String
    /// First millisecond, and the next segment's start.
    public var start: Int64
    public var end: Int64
    /// Path relative to the destination.
    public var path: String
    public var size: Int64
    /// Lower-case hex SHA-256 of the file.
    public var sha256: String?
    public var status: Status
    public var attempts: Int
    public var lastReason: String?
    /// Milliseconds since 1970 of the last change.
    public var updatedAt: Int64
    /// Whether the file was found in the destination rather than downloaded.
    public var adopted: Bool
    /// Seconds of video the file held when it was recorded complete (its MP4 header's duration); nil for rows of
    /// older archives.
    public var duration: Double?
}

/// A camera as the archive last saw it (removed and renamed cameras keep their rows).
public struct CameraRecord: Sendable, Codable, Equatable, FetchableRecord {
    public var id: String
    public var name: String
    public var firstSeen: Int64
    public var lastSeen: Int64
}

/// Why the archive's state cannot be used.
public enum StateError: Error, LocalizedError {
    /// Another protect-dl holds the destination's lock.
    case locked(path: String, holder: String)
    /// The state database cannot be opened or written.
    case database(path: String, reason: String)
    /// The destination has no state database yet.
    case noState(String)
    /// The state database is damaged or empty; moving it aside lets the next sync rebuild it from the files.
    case damaged(path: String, reason: String)
    /// The disk holding the state database is full.
    case diskFull(path: String)

    public var errorDescription: String? {
        switch self {
        case .locked(let path, let holder):
            return "Another protect-dl (\(holder)) is working on \(path); wait for it to finish or stop it first."
        case .database(let path, let reason):
            return "The archive state \(path) cannot be used: \(reason)."
        case .diskFull(let path):
            return "The disk holding the archive state \(path) is full; free space and run again (nothing was lost)."
        case .damaged(let path, let reason):
            return "The archive state \(path) is damaged (\(reason)). Move it aside (mv \(path) \(path).damaged) and "
                + "run protect-dl sync again: it adopts the files already in the archive and records them anew."
        case .noState(let path):
            return "\(path) has no archive state yet (\(ArchiveState.folderName)/\(ArchiveState.fileName)); run "
                + "protect-dl sync first."
        }
    }
}

/// The archive's memory: a SQLite database (WAL) in `<dest>/.protect-dl/`, and a lock so one process at a time
/// changes a destination.
public final class ArchiveState: Sendable {
    public static let folderName = ".protect-dl"
    public static let fileName = "state.sqlite"

    public let destination: URL
    /// The clock that stamps rows (injected by tests).
    public let clock: WallClock
    let pool: DatabasePool
    private let lockDescriptor: Int32

    /// Opens (creating when asked) the state of `destination`; a writer (`exclusive`) takes its lock, a reader
    /// relies on WAL to read a consistent state while a writer works.
    public init(destination: URL, create: Bool = true, exclusive: Bool = true, clock: WallClock = .system) throws {
        self.destination = destination
        self.clock = clock
        let folder = destination.appendingPathComponent(Self.folderName)
        let path = folder.appendingPathComponent(Self.fileName).path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StateError.noState(destination.path)
        }
        if let size = LocalFile.size(path), size == 0 {
            throw StateError.damaged(path: path, reason: "the file is empty")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StateError.database(path: path, reason: error.localizedDescription)
        }
        lockDescriptor =
            exclusive ? try Self.lock(folder.appendingPathComponent("lock").path, destination: destination.path) : -1
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.label = "protect-dl state"
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            if lockDescriptor >= 0 { close(lockDescriptor) }
            throw Self.stateError(error, path: path)
        }
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    /// Takes an exclusive `flock` (released by the kernel when the process ends, even by `kill -9`).
    static func lock(_ path: String, destination: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StateError.database(path: path, reason: String(cString: strerror(errno)))
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw StateError.locked(path: destination, holder: holder.map { "pid \($0)" } ?? "another process")
        }
        _ = ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Glibc.write(descriptor, $0, strlen($0)) }
        return descriptor
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "segment") { table in
                table.column("cameraID", .text).notNull()
                table.column("stream", .text).notNull()
                table.column("start", .integer).notNull()
                table.column("end", .integer).notNull()
                table.column("path", .text).notNull()
                table.column("size", .integer).notNull().defaults(to: 0)
                table.column("sha256", .text)
                table.column("status", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("lastReason", .text)
                table.column("updatedAt", .integer).notNull()
                table.column("adopted", .boolean).notNull().defaults(to: false)
                table.primaryKey(["cameraID", "stream", "start"])
            }
            try db.create(table: "camera") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("firstSeen", .integer).notNull()
                table.column("lastSeen", .integer).notNull()
            }
            try db.create(table: "meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2 duration") { db in
            try db.alter(table: "segment") { table in table.add(column: "duration", .double) }
        }
        registerEventMigrations(&migrator)
        registerUploadMigrations(&migrator)
        registerVerificationMigrations(&migrator)
        return migrator
    }

    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(updates)
        } catch {
            throw Self.stateError(error, path: pool.path)
        }
    }

    func read<T>(_ value: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(value)
        } catch {
            throw Self.stateError(error, path: pool.path)
        }
    }

    /// A damaged file is told apart from other database failures (a full disk, permissions).
    static func stateError(_ error: any Error, path: String) -> StateError {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL:
                return .diskFull(path: path)
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return .damaged(path: path, reason: "SQLite: \(error.message ?? "not a database")")
            default:
                return .database(path: path, reason: "SQLite: \(error.message ?? "\(error.resultCode)")")
            }
        }
        return .database(path: path, reason: error.localizedDescription)
    }

    // MARK: Segments

    /// Every segment of a camera's stream, by start.
    public func segments(cameraID: String, stream: String) throws -> [Int64: SegmentRecord] {
        let rows = try read { db in
            try SegmentRecord.fetchAll(
                db, sql: "SELECT * FROM segment WHERE cameraID = ? AND stream = ?", arguments: [cameraID, stream])
        }
        return Dictionary(rows.map { ($0.start, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The starts of a camera's stream that need no download (complete or pruned), and those the console had no
    /// footage for: two columns, not whole rows, so a year of hours is read at once.
    public func settledStarts(cameraID: String, stream: String) throws -> (done: Set<Int64>, empty: Set<Int64>) {
        try read { db in
            var done = Set<Int64>()
            var empty = Set<Int64>()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT start, status FROM segment
                    WHERE cameraID = ? AND stream = ? AND status IN ('complete', 'pruned', 'empty')
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

    /// Records that the console had no footage, or that an attempt failed.
    public func recordOutcome(
        cameraID: String, stream: String, start: Int64, end: Int64, path: String, status: SegmentRecord.Status,
        reason: String?, attempts: Int
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO segment (cameraID, stream, start, end, path, size, sha256, status, attempts, lastReason,
                        updatedAt, adopted)
                    VALUES (?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, 0)
                    ON CONFLICT (cameraID, stream, start) DO UPDATE SET end = excluded.end, path = excluded.path,
                        size = 0, sha256 = NULL, status = excluded.status,
                        attempts = segment.attempts + excluded.attempts, lastReason = excluded.lastReason,
                        updatedAt = excluded.updatedAt
                    """,
                arguments: [cameraID, stream, start, end, path, status.rawValue, attempts, reason, clock.now()])
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

    // MARK: Cameras and console

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
