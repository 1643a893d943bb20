import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import ProtectAPI

/// Everything the `download` command decides: which cameras, which range, where and how.
public struct DownloadOptions: Sendable {
    /// Camera ids, or nil for all cameras.
    public var cameraIDs: [String]?
    /// The range as the user wrote it (parsed again once the console's time zone is known).
    public var startText: String
    public var endText: String
    public var channel = 0
    public var destination: URL
    public var useSubfolders = false
    public var skipExistingFiles = false
    public var touchFiles = false
    public var ignoreFailedDownloads = false
    public var waitBetweenDownloads: Double = 0
    /// Segments downloaded at the same time, at most (the engine lowers it while the console is overloaded).
    public var parallel = 2
    /// Further attempts after a network failure, a broken body or a 5xx answer.
    public var retries = 3
    /// First back-off delay in seconds; it doubles with each attempt.
    public var retryDelay: Double = 2
    /// Called with the byte count of every chunk written, for progress displays.
    public var onBytes: (@Sendable (Int) -> Void)?

    public init(startText: String, endText: String, destination: URL) {
        self.startText = startText
        self.endText = endText
        self.destination = destination
    }
}

/// Which camera and hour a segment is, and where its file goes.
public struct SegmentInfo: Sendable, Codable, Equatable {
    public var cameraID: String
    public var cameraName: String
    /// Milliseconds since 1970; `end` is the export's inclusive end.
    public var start: Int64
    public var end: Int64
    /// Path relative to the destination.
    public var path: String
}

/// What happened to one segment, as the command reports it.
public enum DownloadEvent: Sendable {
    /// The times had no offset and were read in this zone.
    case zoneAssumed(String)
    /// The run is about to download this many segments.
    case planned(total: Int)
    case started(SegmentInfo)
    case downloaded(SegmentInfo, bytes: Int64, seconds: Double, attempts: Int)
    case skippedExisting(SegmentInfo)
    case noFootage(SegmentInfo, reason: String)
    case failed(SegmentInfo, reason: String, attempts: Int)
    case retrying(SegmentInfo, attempt: Int, reason: String)
}

/// Totals of a run.
public struct DownloadSummary: Sendable, Equatable, Codable {
    public var downloaded = 0
    public var skipped = 0
    public var noFootage = 0
    public var failed = 0
    public var total = 0
    public var bytes: Int64 = 0
    /// Times the console signalled overload (429, 5xx) and the engine slowed down.
    public var overloads = 0
    /// The run was stopped by a signal before the end.
    public var interrupted = false
    /// The first failure that ended the run (when failures are not ignored).
    public var stoppedBy: String?

    /// The original downloader's last line.
    public var line: String { "\(downloaded) files downloaded, \(skipped) files skipped, \(total) files total" }
}

/// Why a run could not go on.
public enum ArchiveError: Error, LocalizedError {
    /// `--dest` does not exist or is not a folder.
    case destinationMissing(String)
    /// Camera ids the console does not know; lists those it has.
    case unknownCameras([String], available: [Camera])
    /// A time could not be used.
    case time(TimeError)
    /// A segment failed and failures are not ignored; `summary` is the run up to then.
    case downloadFailed(path: String, underlying: any Error, summary: DownloadSummary)

    public var errorDescription: String? {
        switch self {
        case .destinationMissing(let path):
            return "The destination folder \(path) does not exist or is not a folder."
        case .unknownCameras(let ids, let available):
            let list = available.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
            return "The console has no camera with id \(ids.joined(separator: ", ")); its cameras are: \(list)."
        case .time(let error):
            return error.errorDescription
        case .downloadFailed(let path, let underlying, _):
            return "Downloading \(path) failed: \(underlying.localizedDescription)"
        }
    }
}

/// Downloads a range of every chosen camera, one file per hour, into the destination.
public struct DownloadJob: Sendable {
    public let options: DownloadOptions
    let logger: Logger

    public init(options: DownloadOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Checks what can be checked before talking to the console: the destination and the time formats.
    public func preflight() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: options.destination.path, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw ArchiveError.destinationMissing(options.destination.path)
        }
        do {
            let start = try UserTime.parse(options.startText, defaultZone: .fixed(seconds: 0))
            let end = try UserTime.parse(options.endText, defaultZone: .fixed(seconds: 0))
            if start.writtenOffset != nil && end.writtenOffset != nil && end.milliseconds <= start.milliseconds {
                throw TimeError.endNotAfterStart
            }
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
    }

    /// Runs the job against a connected console.
    public func run(client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void) async throws
        -> DownloadSummary
    {
        try preflight()
        let bootstrap = try await withRetries { try await client.bootstrap() }
        let consoleZone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
        let start: UserTime
        let end: UserTime
        do {
            start = try UserTime.parse(options.startText, defaultZone: consoleZone)
            end = try UserTime.parse(options.endText, defaultZone: consoleZone)
            guard end.milliseconds > start.milliseconds else { throw TimeError.endNotAfterStart }
        } catch let error as TimeError {
            throw ArchiveError.time(error)
        }
        let zone: DisplayZone
        if let offset = start.writtenOffset {
            zone = .fixed(seconds: offset)
        } else {
            zone = consoleZone
            onEvent(.zoneAssumed(bootstrap.nvr.timezone ?? "UTC"))
        }
        let cameras = try selectCameras(bootstrap.cameras)
        let segments = SegmentPlanner.segments(from: start.milliseconds, to: end.milliseconds, in: zone)
        var work: [(Camera, Segment)] = []
        for camera in cameras {
            for segment in segments { work.append((camera, segment)) }
        }
        onEvent(.planned(total: work.count))
        return try await download(work, zone: zone, client: client, onEvent: onEvent)
    }

    /// Retries a console call after overload or network failures, with back-off.
    func withRetries<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await call()
            } catch {
                guard attempt <= options.retries, Self.isRetryable(error) else { throw error }
                try await Task.sleep(for: .seconds(options.retryDelay * pow(2, Double(attempt - 1))))
            }
        }
    }

    func selectCameras(_ all: [Camera]) throws -> [Camera] {
        guard let ids = options.cameraIDs else { return all }
        let unknown = ids.filter { id in !all.contains { $0.id == id } }
        guard unknown.isEmpty else { throw ArchiveError.unknownCameras(unknown, available: all) }
        return ids.compactMap { id in all.first { $0.id == id } }
    }

    enum SegmentResult: Sendable {
        case downloaded(Int64)
        case skipped
        case noFootage
        case failed(String, any Error)
    }

    func download(
        _ work: [(Camera, Segment)], zone: DisplayZone, client: ProtectClient,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> DownloadSummary {
        var summary = DownloadSummary()
        summary.total = work.count
        let governor = ConcurrencyGovernor(maximum: options.parallel, baseBackoff: max(0.05, options.retryDelay))
        do {
            try await withThrowingTaskGroup(of: SegmentResult.self) { group in
                var next = 0
                var running = 0
                while next < work.count || running > 0 {
                    while running < governor.maximum && next < work.count {
                        let (camera, segment) = work[next]
                        let isFirst = next == 0
                        next += 1
                        running += 1
                        group.addTask {
                            if !isFirst && options.waitBetweenDownloads > 0 {
                                try await Task.sleep(for: .seconds(options.waitBetweenDownloads))
                            }
                            return try await downloadSegment(
                                camera: camera, segment: segment, zone: zone, client: client, governor: governor,
                                onEvent: onEvent)
                        }
                    }
                    guard let result = try await group.next() else { break }
                    running -= 1
                    switch result {
                    case .downloaded(let bytes):
                        summary.downloaded += 1
                        summary.bytes += bytes
                    case .skipped: summary.skipped += 1
                    case .noFootage:
                        summary.noFootage += 1
                        summary.skipped += 1
                    case .failed(let path, let error):
                        summary.failed += 1
                        if !options.ignoreFailedDownloads {
                            summary.stoppedBy = path
                            group.cancelAll()
                            summary.overloads = await governor.overloads
                            throw ArchiveError.downloadFailed(path: path, underlying: error, summary: summary)
                        }
                    }
                }
            }
        } catch is CancellationError {
            summary.interrupted = true
        }
        summary.overloads = await governor.overloads
        return summary
    }

    func downloadSegment(
        camera: Camera, segment: Segment, zone: DisplayZone, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> SegmentResult {
        let relative = FileNaming.relativePath(
            cameraName: camera.name, cameraID: camera.id, segment: segment, zone: zone,
            useSubfolders: options.useSubfolders)
        let info = SegmentInfo(
            cameraID: camera.id, cameraName: camera.name, start: segment.start, end: segment.requestEnd, path: relative)
        let target = options.destination.appendingPathComponent(relative)
        let fileManager = FileManager.default
        if options.skipExistingFiles && fileManager.fileExists(atPath: target.path) {
            onEvent(.skippedExisting(info))
            return .skipped
        }
        do {
            try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            onEvent(.failed(info, reason: "cannot create its folder: \(error.localizedDescription)", attempts: 0))
            return .failed(relative, error)
        }
        var touched = false
        if options.touchFiles && !fileManager.fileExists(atPath: target.path) {
            touched = fileManager.createFile(atPath: target.path, contents: nil)
        }
        var request = ExportRequest(cameraID: camera.id, start: segment.start, end: segment.requestEnd)
        request.channel = options.channel
        let part = target.path + ".part"
        let onBytes = options.onBytes
        var attempt = 0
        let clock = ContinuousClock()
        onEvent(.started(info))
        while true {
            attempt += 1
            try await governor.acquire()
            var released = false
            let began = clock.now
            do {
                let outcome = try await client.withExport(request) { body in
                    try await PartFile.write(body, to: part, onBytes: onBytes)
                }
                switch outcome {
                case .noFootage(let reason):
                    released = true
                    await governor.release(.success)
                    try? fileManager.removeItem(atPath: part)
                    if touched { try? fileManager.removeItem(at: target) }
                    onEvent(.noFootage(info, reason: reason))
                    return .noFootage
                case .footage(let bytes):
                    released = true
                    await governor.release(.success)
                    try MP4Check.validate(path: part)
                    if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
                    try fileManager.moveItem(atPath: part, toPath: target.path)
                    let seconds = (clock.now - began).inSeconds
                    onEvent(.downloaded(info, bytes: bytes, seconds: seconds, attempts: attempt))
                    return .downloaded(bytes)
                }
            } catch {
                try? fileManager.removeItem(atPath: part)
                if !released {
                    if case ProtectError.consoleBusy(_, _, let retryAfter) = error {
                        await governor.release(.overload(retryAfter: retryAfter))
                    } else {
                        await governor.release(.other)
                    }
                }
                if error is CancellationError || Task.isCancelled {
                    throw CancellationError()
                }
                let reason = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
                if attempt <= options.retries && Self.isRetryable(error) {
                    onEvent(.retrying(info, attempt: attempt, reason: reason))
                    var delay = options.retryDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
                    if case ProtectError.consoleBusy(_, _, let retryAfter?) = error { delay = max(delay, retryAfter) }
                    try await Task.sleep(for: .seconds(delay))
                    continue
                }
                onEvent(.failed(info, reason: reason, attempts: attempt))
                return .failed(relative, error)
            }
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case ProtectError.network, ProtectError.consoleBusy, ProtectError.unexpectedContent: return true
        case ProtectError.httpError(let status, _, _): return status == 408 || status == 429 || status >= 500
        case is MP4Check.Problem: return true
        default: return false
        }
    }
}

/// Streams a body into a freshly truncated `.part` file, chunk by chunk.
enum PartFile {
    static func write(_ body: ExportBody, to path: String, onBytes: (@Sendable (Int) -> Void)?) async throws -> Int64 {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var written: Int64 = 0
        for try await chunk in body {
            try handle.write(contentsOf: chunk.readableBytesView)
            written += Int64(chunk.readableBytes)
            onBytes?(chunk.readableBytes)
        }
        if let expected = body.contentLength, expected != written {
            throw ProtectError.network(reason: "the body ended after \(written) of \(expected) bytes")
        }
        return written
    }
}
