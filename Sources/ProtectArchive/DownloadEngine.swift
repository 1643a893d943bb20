import Crypto
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import ProtectAPI
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How the engine downloads; shared by `download`, `events` and `sync`.
public struct EngineOptions: Sendable {
    public var destination: URL
    public var skipExistingFiles = false
    public var touchFiles = false
    public var ignoreFailedDownloads = false
    public var waitBetweenDownloads: Double = 0
    /// Exports at the same time, at most: the engine finds the console's best level up to this (see
    /// `ConcurrencyGovernor`).
    public var parallel = Self.defaultParallel
    /// The level the engine starts at.
    public var initialParallel = Self.defaultInitialParallel
    /// Find the best level up to `parallel` (true), or run `parallel` at once (false; refusals still lower it).
    public var adaptiveParallel = true
    /// At most this many exports at once unless told otherwise.
    public static let defaultParallel = 8
    /// The first level tried: most consoles take 3 to 5 exports at once; a refusal teaches a lower ceiling at once.
    public static let defaultInitialParallel = 4
    /// Attempts answered "overloaded" (too many exports) do not count against `retries`; at most this many per
    /// file, with a growing pause, before it fails.
    public var overloadRetries = 20
    /// Further attempts after a network failure, a broken body or a 5xx answer.
    public var retries = 3
    /// First back-off delay in seconds; it doubles with each attempt.
    public var retryDelay: Double = 2
    /// Attempts at an event image while the console still answers 404 (it renders them after the event).
    public var imageAttempts = 6
    /// Called with the byte count of every chunk written, for progress displays.
    public var onBytes: (@Sendable (Int) -> Void)?
    /// The `.part` files in flight, for a stop at once.
    public var partFiles = PartFileRegistry()
    /// The wall clock (injected by tests).
    public var clock = WallClock.system
    /// A remote archive (rclone): files stream there instead of into `destination`, which then holds only the state.
    public var remote: RemoteStore?

    public init(destination: URL) {
        self.destination = destination
    }
}

/// Which camera and range a file is, and where it goes.
public struct SegmentInfo: Sendable, Codable, Equatable {
    public var cameraID: String
    public var cameraName: String
    /// Milliseconds since 1970; `end` is the export's inclusive end.
    public var start: Int64
    public var end: Int64
    /// Path relative to the destination.
    public var path: String
    /// The events a clip shows (empty for plain recordings).
    public var eventIDs: [String] = []

    public init(cameraID: String, cameraName: String, start: Int64, end: Int64, path: String) {
        self.cameraID = cameraID
        self.cameraName = cameraName
        self.start = start
        self.end = end
        self.path = path
    }
}

/// One export the engine fetches, and the images to save beside it.
public struct ExportItem: Sendable {
    public var request: ExportRequest
    public var info: SegmentInfo
    public var images: [ImageItem] = []
    /// Wall-clock milliseconds before which the export is not asked (the console is still writing the range).
    public var notBefore: Int64?

    public init(request: ExportRequest, info: SegmentInfo) {
        self.request = request
        self.info = info
    }
}

/// An image saved beside a clip (an event's thumbnail or heatmap).
public struct ImageItem: Sendable, Equatable {
    public var request: ImageRequest
    /// Path relative to the destination.
    public var path: String

    public init(request: ImageRequest, path: String) {
        self.request = request
        self.path = path
    }
}

/// What happened to one file, as the command reports it.
public enum DownloadEvent: Sendable {
    /// The times had no offset and were read in this zone.
    case zoneAssumed(String)
    /// The run is about to download this many files.
    case planned(total: Int)
    case started(SegmentInfo)
    /// A file is at its final name; `duration` is its video's length from the MP4 header, in seconds.
    case downloaded(SegmentInfo, bytes: Int64, seconds: Double, attempts: Int, sha256: String, duration: Double?)
    case skippedExisting(SegmentInfo)
    /// An empty placeholder (`--touch-files`) left by a run that died: skipped as the original does, not footage.
    case skippedPlaceholder(SegmentInfo)
    /// Something the user should know about the plan (a range cut at the last finished moment, cameras whose
    /// recordings do not reach the range).
    case notice(String)
    case noFootage(SegmentInfo, reason: String)
    case failed(SegmentInfo, reason: String, attempts: Int)
    case retrying(SegmentInfo, attempt: Int, reason: String)
    /// An image beside a clip was saved.
    case imageSaved(SegmentInfo, path: String, bytes: Int)
    /// An image beside a clip could not be had.
    case imageFailed(SegmentInfo, path: String, reason: String)
    /// An event was left out of the run, and why (still running, no camera).
    case eventSkipped(id: String, cameraID: String?, reason: String)
}

/// Totals of a run.
public struct DownloadSummary: Sendable, Equatable, Codable {
    public var downloaded = 0
    public var skipped = 0
    public var noFootage = 0
    public var failed = 0
    public var total = 0
    public var bytes: Int64 = 0
    /// Images saved beside clips.
    public var images = 0
    /// Of the skipped files, empty placeholders left by a run that died (never footage).
    public var placeholders = 0
    /// Times the console signalled overload (429, 5xx) and the engine slowed down.
    public var overloads = 0
    /// The run was stopped by a signal before the end.
    public var interrupted = false
    /// The first failure that ended the run (when failures are not ignored).
    public var stoppedBy: String?

    public init() {}

    /// The original downloader's last line.
    public var line: String { "\(downloaded) files downloaded, \(skipped) files skipped, \(total) files total" }

    /// What the original's line does not say: failures, placeholders skipped, an interruption; nil when none.
    public var note: String? {
        var parts: [String] = []
        if failed > 0 { parts.append("\(failed) failed") }
        if placeholders > 0 {
            parts.append(
                "\(placeholders) of the skipped files are empty placeholders left by a run that died, not footage")
        }
        if interrupted { parts.append("the run was interrupted before the end") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ") + "."
    }
}

/// Downloads exports in parallel with retries, `.part` files, MP4 checks and adaptive concurrency.
public struct DownloadEngine: Sendable {
    public let options: EngineOptions
    let logger: Logger

    public init(options: EngineOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    enum ItemResult: Sendable {
        case downloaded(Int64)
        case skipped
        case placeholder
        case noFootage
        case failed(String, any Error)
    }

    /// Downloads every item; stops at the first failure unless failures are ignored.
    public func run(
        _ work: [ExportItem], client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> DownloadSummary {
        try await run(work, total: work.count, client: client, onEvent: onEvent)
    }

    /// Downloads the items of a lazily planned sequence of `total` items, taking the next one only when a slot is
    /// free, so memory does not grow with the range; stops at the first failure unless failures are ignored, and
    /// always when the destination's disk is full.
    public func run<Work: Sequence<ExportItem>>(
        _ work: Work, total: Int, client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> DownloadSummary {
        var summary = DownloadSummary()
        summary.total = total
        let governor = ConcurrencyGovernor(
            maximum: options.parallel, initial: options.initialParallel, adaptive: options.adaptiveParallel,
            baseBackoff: max(0.05, options.retryDelay), logger: logger)
        // Every byte received feeds the governor's measure of throughput.
        var counted = options
        let upstream = options.onBytes
        counted.onBytes = { count in
            governor.add(bytes: count)
            upstream?(count)
        }
        let engine = DownloadEngine(options: counted, logger: logger)
        var iterator = work.makeIterator()
        do {
            try await withThrowingTaskGroup(of: (ItemResult, Int, Int).self) { group in
                var pending = iterator.next()
                var isFirst = true
                var running = 0
                while pending != nil || running > 0 {
                    while running < governor.maximum, let item = pending {
                        if Task.isCancelled { throw CancellationError() }
                        let first = isFirst
                        isFirst = false
                        pending = iterator.next()
                        running += 1
                        group.addTask {
                            if !first && options.waitBetweenDownloads > 0 {
                                try await Task.sleep(for: .seconds(options.waitBetweenDownloads))
                            }
                            let result = try await engine.download(
                                item, client: client, governor: governor, onEvent: onEvent)
                            var images = (0, 0)
                            switch result {
                            case .downloaded, .skipped, .placeholder, .noFootage:
                                images = try await saveImages(item, client: client, onEvent: onEvent)
                            case .failed: break
                            }
                            return (result, images.0, images.1)
                        }
                    }
                    guard let (result, imagesSaved, imagesFailed) = try await group.next() else { break }
                    running -= 1
                    summary.images += imagesSaved
                    var failure: (String, any Error)?
                    switch result {
                    case .downloaded(let bytes):
                        summary.downloaded += 1
                        summary.bytes += bytes
                    case .skipped: summary.skipped += 1
                    case .placeholder:
                        summary.skipped += 1
                        summary.placeholders += 1
                    case .noFootage:
                        summary.noFootage += 1
                        summary.skipped += 1
                    case .failed(let path, let error):
                        summary.failed += 1
                        failure = (path, error)
                    }
                    if imagesFailed > 0 && failure == nil {
                        summary.failed += 1
                        failure = ("images", ProtectError.network(reason: "\(imagesFailed) event image(s) failed"))
                    }
                    if let (path, error) = failure, !options.ignoreFailedDownloads || LocalFileError.isDiskFull(error) {
                        summary.stoppedBy = path
                        group.cancelAll()
                        while (try? await group.next()) != nil {}
                        summary.overloads = await governor.overloads
                        throw ArchiveError.downloadFailed(path: path, underlying: error, summary: summary)
                    }
                }
            }
        } catch is CancellationError {
            summary.interrupted = true
        }
        summary.overloads = await governor.overloads
        return summary
    }

    func download(
        _ item: ExportItem, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> ItemResult {
        let info = item.info
        let relative = info.path
        if let remote = options.remote {
            if options.skipExistingFiles, try await remote.stat(relative) != nil {
                onEvent(.skippedExisting(info))
                return .skipped
            }
            return try await attempts(item, client: client, governor: governor, onEvent: onEvent) { body in
                let file = try await remote.upload(
                    body, expectedLength: body.contentLength, to: relative, checkMP4: true, onBytes: options.onBytes)
                return StoredFile(bytes: file.bytes, sha256: file.sha256, duration: file.duration)
            }
        }
        let target = options.destination.appendingPathComponent(relative)
        let part = target.path + ".part"
        let fileManager = FileManager.default
        do {
            try SafePath.check(relative, in: options.destination)
        } catch {
            onEvent(.failed(info, reason: error.localizedDescription, attempts: 0))
            return .failed(relative, error)
        }
        if options.skipExistingFiles, let size = LocalFile.size(target.path) {
            // A `.part` of an earlier run under this name is of no use any more.
            unlink(part)
            if size == 0 {
                onEvent(.skippedPlaceholder(info))
                return .placeholder
            }
            onEvent(.skippedExisting(info))
            return .skipped
        }
        do {
            try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            let local = LocalFileError(error, path: target.deletingLastPathComponent().path, doing: "create the folder")
            onEvent(.failed(info, reason: local.localizedDescription, attempts: 0))
            return .failed(relative, local)
        }
        var placeholder = false
        if options.touchFiles && LocalFile.size(target.path) == nil {
            placeholder = fileManager.createFile(atPath: target.path, contents: nil)
        }
        // A handled stop or failure removes the placeholder of a segment it did not finish: only a process that
        // died leaves one.
        func dropPlaceholder() {
            if placeholder && LocalFile.size(target.path) == 0 { unlink(target.path) }
        }
        let registry = options.partFiles
        let onBytes = options.onBytes
        do {
            let result = try await attempts(item, client: client, governor: governor, onEvent: onEvent) { body in
                registry.add(part)
                defer { registry.remove(part) }
                do {
                    let written = try await PartFile.write(body, to: part, onBytes: onBytes)
                    let duration = try MP4Check.duration(path: part)
                    // rename(2) replaces the placeholder or an older file atomically.
                    guard rename(part, target.path) == 0 else {
                        throw LocalFileError(errno: errno, path: target.path, doing: "rename the finished file")
                    }
                    return StoredFile(bytes: written.bytes, sha256: written.sha256, duration: duration)
                } catch {
                    unlink(part)
                    throw error
                }
            }
            if case .downloaded = result {} else { dropPlaceholder() }
            return result
        } catch {
            dropPlaceholder()
            throw error
        }
    }

    /// Waits for the item's moment, then asks for it until `store` has it whole at its final name, it is empty, or
    /// it has failed for good.
    private func attempts(
        _ item: ExportItem, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void, store: @escaping @Sendable (ExportBody) async throws -> StoredFile
    ) async throws -> ItemResult {
        let info = item.info
        if let notBefore = item.notBefore {
            let wait = Double(notBefore - options.clock.now()) / 1000
            if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        }
        var attempt = 0
        var overloaded = 0
        let clock = ContinuousClock()
        onEvent(.started(info))
        while true {
            attempt += 1
            try await governor.acquire()
            var released = false
            let began = clock.now
            let streaming = Mutex(false)
            do {
                let outcome = try await client.withExport(item.request) { body in
                    // The answer is in: the console's time to first byte, for the governor.
                    streaming.withLock { $0 = true }
                    await governor.streaming(after: (clock.now - began).inSeconds)
                    return try await store(body)
                }
                switch outcome {
                case .noFootage(let reason):
                    released = true
                    await governor.release(.success, streamed: streaming.withLock { $0 })
                    onEvent(.noFootage(info, reason: reason))
                    return .noFootage
                case .footage(let written):
                    released = true
                    let seconds = (clock.now - began).inSeconds
                    await governor.release(.success, lifetime: seconds)
                    onEvent(
                        .downloaded(
                            info, bytes: written.bytes, seconds: seconds, attempts: attempt, sha256: written.sha256,
                            duration: written.duration))
                    return .downloaded(written.bytes)
                }
            } catch {
                let streamed = streaming.withLock { $0 }
                var isOverload = false
                if !released {
                    if case ProtectError.consoleBusy(let status, let reason, let retryAfter) = error, !streamed {
                        // "Too many exports" (or 429) is the console's concurrency speaking: a ceiling, and no retry
                        // spent. Other busy answers (502/503 while Protect restarts) only pause, and count.
                        isOverload = Self.isConcurrencyRefusal(status: status, reason: reason)
                        await governor.release(
                            isOverload ? .overload(retryAfter: retryAfter) : .busy(retryAfter: retryAfter),
                            streamed: false)
                    } else {
                        await governor.release(.other, streamed: streamed)
                    }
                }
                if error is CancellationError || Task.isCancelled {
                    throw CancellationError()
                }
                let reason = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
                // An overloaded console is told by the answer itself: the governor has lowered the level and
                // paused; the attempt is not one of the file's retries.
                if isOverload && overloaded < options.overloadRetries {
                    overloaded += 1
                    onEvent(.retrying(info, attempt: attempt, reason: reason))
                    attempt -= 1
                    continue
                }
                if attempt <= options.retries && Self.isRetryable(error) {
                    onEvent(.retrying(info, attempt: attempt, reason: reason))
                    var delay = options.retryDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
                    if case ProtectError.consoleBusy(_, _, let retryAfter?) = error { delay = max(delay, retryAfter) }
                    try await Task.sleep(for: .seconds(delay))
                    continue
                }
                onEvent(.failed(info, reason: reason, attempts: attempt))
                return .failed(info.path, error)
            }
        }
    }

    /// An answer that refuses an export because of how many run: 429, or a busy answer that says so.
    static func isConcurrencyRefusal(status: Int, reason: String) -> Bool {
        let text = reason.lowercased()
        return status == 429 || text.contains("too many") || text.contains("overload")
    }

    /// Saves the item's images that are not there yet, retrying while the console answers 404.
    func saveImages(
        _ item: ExportItem, client: ProtectClient, onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> (saved: Int, failed: Int) {
        var saved = 0
        var failed = 0
        for image in item.images {
            let target = options.destination.appendingPathComponent(image.path)
            if let remote = options.remote {
                if try await remote.stat(image.path) != nil { continue }
            } else if FileManager.default.fileExists(atPath: target.path) {
                continue
            }
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let data = try await client.image(image.request)
                    if let remote = options.remote {
                        try ImageFile.check(data)
                        try await remote.put(data, to: image.path)
                    } else {
                        try ImageFile.save(data, to: target)
                    }
                    onEvent(.imageSaved(item.info, path: image.path, bytes: data.count))
                    saved += 1
                    break
                } catch {
                    if error is CancellationError || Task.isCancelled { throw CancellationError() }
                    let notYet: Bool
                    if case ProtectError.httpError(404, _, _) = error { notYet = true } else { notYet = false }
                    if attempt < max(1, options.imageAttempts) && (notYet || Self.isRetryable(error)) {
                        // The console renders an event's images some seconds after it ends: wait at least 1 s.
                        try await Task.sleep(for: .seconds(max(1, options.retryDelay) * Double(min(attempt, 4))))
                        continue
                    }
                    let reason = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
                    onEvent(.imageFailed(item.info, path: image.path, reason: reason))
                    failed += 1
                    break
                }
            }
        }
        return (saved, failed)
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

    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case ProtectError.network, ProtectError.consoleBusy, ProtectError.unexpectedContent: return true
        // A 401 that outlived the client's own re-login (the session ended again in between, or a legacy access key
        // was spent by a parallel download) is worth another attempt, within --retries.
        case ProtectError.httpError(let status, _, _):
            return status == 401 || status == 408 || status == 429 || status >= 500
        case is MP4Check.Problem: return true
        // An upload rclone failed (the remote dropped, rclone was killed): the export is asked again.
        case RemoteError.failed: return true
        default: return false
        }
    }
}

/// A file at its final name: what the engine reports of it.
struct StoredFile: Sendable {
    var bytes: Int64
    var sha256: String
    /// The MP4's duration from its header, in seconds.
    var duration: Double?
}

/// What a finished `.part` file holds.
struct WrittenFile: Sendable {
    var bytes: Int64
    /// Lower-case hex SHA-256 of the bytes, computed while writing.
    var sha256: String
}

/// Streams a body into a freshly truncated `.part` file, chunk by chunk, hashing as it goes.
enum PartFile {
    static func write(_ body: ExportBody, to path: String, onBytes: (@Sendable (Int) -> Void)?) async throws
        -> WrittenFile
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LocalFileError(errno: errno, path: path, doing: "create") }
        var closed = false
        defer { if !closed { close(descriptor) } }
        var written: Int64 = 0
        var hasher = SHA256()
        for try await chunk in body {
            try Task.checkCancellation()
            try chunk.withUnsafeReadableBytes { bytes in
                hasher.update(bufferPointer: bytes)
                var offset = 0
                while offset < bytes.count {
                    let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw LocalFileError(errno: errno, path: path, doing: "write")
                    }
                    offset += count
                }
            }
            written += Int64(chunk.readableBytes)
            onBytes?(chunk.readableBytes)
        }
        closed = true
        // A full disk can show only when the data is flushed.
        if close(descriptor) != 0 { throw LocalFileError(errno: errno, path: path, doing: "write") }
        if let expected = body.contentLength, expected != written {
            throw ProtectError.network(reason: "the body ended after \(written) of \(expected) bytes")
        }
        return WrittenFile(bytes: written, sha256: FileHash.hex(hasher.finalize()))
    }
}

/// Small files (snapshots, thumbnails, heatmaps): checked to be the image they claim, then written atomically.
public enum ImageFile {
    /// Writes `data` to `target` through a `.part` file after checking it is a JPEG or PNG.
    public static func save(_ data: Data, to target: URL) throws {
        try check(data)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let part = target.appendingPathExtension("part")
        do {
            try data.write(to: part)
        } catch {
            unlink(part.path)
            throw LocalFileError(error, path: part.path, doing: "write")
        }
        guard rename(part.path, target.path) == 0 else {
            let error = LocalFileError(errno: errno, path: target.path, doing: "rename the finished file")
            unlink(part.path)
            throw error
        }
    }

    /// Throws unless `data` is a JPEG or PNG.
    public static func check(_ data: Data) throws {
        let jpeg = data.count > 4 && data.prefix(2) == Data([0xFF, 0xD8]) && data.suffix(2) == Data([0xFF, 0xD9])
        let png = data.count > 8 && data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard jpeg || png else {
            throw ProtectError.unexpectedContent(
                contentType: "something that is not a JPEG or PNG", request: "an image")
        }
    }
}
