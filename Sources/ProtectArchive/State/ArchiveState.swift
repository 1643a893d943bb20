import Crypto
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

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
        registerAlertMigrations(&migrator)
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

    // MARK: Cameras and console

}
