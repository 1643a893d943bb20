import Foundation
import Logging
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// Checks shared by every job before it talks to the console.
enum Preflight {
    /// The destination exists, is a folder and can be written: a file is created and removed there.
    static func destination(_ url: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ArchiveError.destinationMissing(url.path)
        }
        let probe = url.appendingPathComponent(".protect-dl-write-check-\(getpid())").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let number = errno
            if number == ENOSPC || number == EDQUOT {
                throw LocalFileError(errno: number, path: url.path, doing: "write to")
            }
            throw ArchiveError.destinationNotWritable(url.path, reason: String(cString: strerror(number)).lowercased())
        }
        close(descriptor)
        unlink(probe)
    }

    /// Parses a range in the console's zone; the display zone is the written offset's, the console's, or UTC.
    static func range(
        _ startText: String, _ endText: String, consoleZone: String?, utc: Bool, now: Int64,
        onEvent: @Sendable (DownloadEvent) -> Void, allowEmpty: Bool = false
    ) throws -> (start: Int64, end: Int64, zone: DisplayZone) {
        let console = DisplayZone.named(consoleZone ?? "UTC")
        do {
            // "now", "-24h", "yesterday": one instant for both ends, so that `--last` spans exactly its duration.
            let start = try UserTime.parse(startText, defaultZone: console, now: now)
            let end = try UserTime.parse(endText, defaultZone: console, now: now)
            guard end.milliseconds > start.milliseconds || allowEmpty else { throw TimeError.endNotAfterStart }
            if start.writtenOffset == nil || end.writtenOffset == nil { onEvent(.zoneAssumed(consoleZone ?? "UTC")) }
            for time in [start, end] {
                if let ambiguity = time.ambiguity {
                    onEvent(.notice("warning: " + ambiguity.sentence(in: console, name: consoleZone ?? "UTC")))
                }
            }
            let zone: DisplayZone =
                utc ? .fixed(seconds: 0) : start.writtenOffset.map { .fixed(seconds: $0) } ?? console
            return (start.milliseconds, end.milliseconds, zone)
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
    }

    /// Checks formats that do not need the console's zone.
    static func times(_ texts: [String]) throws {
        do {
            let parsed = try texts.map { try UserTime.parse($0, defaultZone: .fixed(seconds: 0), now: 0) }
            if parsed.count == 2, parsed[0].writtenOffset != nil, parsed[1].writtenOffset != nil,
                parsed[1].milliseconds <= parsed[0].milliseconds
            {
                throw TimeError.endNotAfterStart
            }
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
    }
}
