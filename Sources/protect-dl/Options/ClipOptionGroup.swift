import ArgumentParser
import Foundation
import ProtectArchive

/// The archive, cameras and range `clip` and `playlist` share.
struct ClipOptionGroup: ParsableArguments {
    @Option(help: "The archive: a local folder, or an rclone remote (remote:path) whose state is kept here.")
    var dest: String
    @Option(help: "A camera's name or id; repeat for several cameras.")
    var camera: [String] = []
    @Option(
        parsing: .unconditional,
        help: "Start, in the formats of download's --start (without an offset: the console's time zone).")
    var from: String
    @Option(parsing: .unconditional, help: "End (not included), in the same formats.")
    var to: String
    @Option(help: "A file (one camera) or a folder (one file per camera, created if missing).")
    var out: String
    @Flag(help: "Make the file even when the archive lacks part of the range; the summary says what is missing.")
    var allowGaps = false
    @OptionGroup(title: "A remote archive") var remote: RemoteOptionGroup

    func validate() throws {
        if dest.isEmpty { throw ValidationError("--dest is empty; give the archive folder.") }
        if camera.isEmpty { throw ValidationError("Missing expected argument '--camera <camera>'.") }
    }

    /// The request, with the times read in the archive's time zone.
    func request(state: ArchiveState, destination: URL) throws -> ClipRequest {
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        let range: Range<Int64>
        do {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let start = try UserTime.parse(from, defaultZone: zone, now: now).milliseconds
            let end = try UserTime.parse(to, defaultZone: zone, now: now).milliseconds
            guard start < end else { throw TimeError.endNotAfterStart }
            range = start..<end
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
        var request = ClipRequest(
            destination: destination, cameras: camera, range: range, output: URL(fileURLWithPath: out))
        request.allowGaps = allowGaps
        return request
    }

    /// Opens the archive and runs `body` with the request and the archive's state. A remote archive's state is its
    /// local one; the files a job needs are fetched into a scratch folder, removed afterwards.
    func withArchive<T>(_ body: (ClipRequest, ArchiveState) async throws -> T) async throws -> T {
        guard case .remote = ArchiveLocation(dest) else {
            let (folder, state) = try open()
            return try await body(try request(state: state, destination: folder), state)
        }
        let target = try await remote.open(dest, create: false, exclusive: false, logger: makeLogger(level: "error"))
        let state = try target.state(create: false, exclusive: false)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "protect-dl-remote-\(getpid())-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.destinationNotWritable(scratch.path, reason: error.localizedDescription)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        var request = try request(state: state, destination: scratch)
        request.remote = target.remote
        return try await body(request, state)
    }

    /// A local archive's folder and state, read without its lock (a sync may run meanwhile).
    func open() throws -> (URL, ArchiveState) {
        guard case .local(let folder) = ArchiveLocation(dest) else { throw MediaError.remoteArchive(dest) }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ArchiveError.destinationMissing(folder.path)
        }
        return (folder, try ArchiveState(destination: folder, create: false, exclusive: false))
    }

    /// One line per file made, with the span it shows and what was missing.
    static func summary(_ result: ClipResult, zone: DisplayZone, noun: String) -> String {
        var line =
            "\(result.camera.name): \(result.path), \(ClipRequest.describe(result.shown, in: zone)), "
            + "from \(result.files) archive file\(result.files == 1 ? "" : "s")"
        if !result.fromConsole.isEmpty {
            line += " and from the console for " + describe(result.fromConsole, zone: zone)
        }
        if !result.gaps.isEmpty {
            line +=
                "; without footage for "
                + result.gaps.map { ClipRequest.describe($0, in: zone) }.joined(separator: ", ")
                + " (the \(noun) goes straight on)"
        }
        return line
    }

    /// The grid's lines: the file and its span, then each camera's files and what its tile shows as missing.
    static func summary(_ result: GridResult, zone: DisplayZone) -> String {
        var lines = [
            "grid of \(result.cameras.count) camera\(result.cameras.count == 1 ? "" : "s"): \(result.path), "
                + "\(result.width)x\(result.height), \(ClipRequest.describe(result.shown, in: zone))"
        ]
        for tile in result.cameras {
            var line = "  \(tile.camera.name): from \(tile.files) archive file\(tile.files == 1 ? "" : "s")"
            if !tile.fromConsole.isEmpty {
                line += " and from the console for " + describe(tile.fromConsole, zone: zone)
            }
            if !tile.gaps.isEmpty {
                line +=
                    "; no footage for " + tile.gaps.map { ClipRequest.describe($0, in: zone) }.joined(separator: ", ")
                    + " (a black tile)"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Spans as `2026-12-06 22:00:00 to 23:00:00, …`.
    static func describe(_ spans: [Range<Int64>], zone: DisplayZone) -> String {
        spans.map { ClipRequest.describe($0, in: zone) }.joined(separator: ", ")
    }
}
