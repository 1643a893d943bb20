import Foundation
import Logging
import ProtectAPI

/// Downloads exports in parallel with retries, `.part` files, MP4 checks and adaptive concurrency. The run's loop
/// is here; one item's target in `+Item`, its attempts in `+Attempts`, the images beside clips in `+Images`.
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
        /// A damaged recording: every attempt ended at this many bytes, kept under the short name (`path`).
        case short(path: String, bytes: Int64)
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
            baseBackoff: max(0.05, options.retryDelay), time: options.time, logger: logger)
        // Every byte received feeds the governor's measure of throughput.
        var counted = options
        let upstream = options.onBytes
        counted.onBytes = { count in
            governor.add(bytes: count)
            upstream?(count)
        }
        let engine = DownloadEngine(options: counted, logger: logger)
        let options = self.options
        var iterator = work.makeIterator()
        do {
            try await withThrowingTaskGroup(of: (ItemResult, ImageResults).self) { group in
                var pending = iterator.next()
                var isFirst = true
                var running = 0
                // A remote archive's items free their export slot once spooled and go on uploading: as many more
                // run as uploads may, so that the console is asked for the next files meanwhile.
                let uploading = options.remote.map { $0.spoolsUploads ? $0.uploadJobs : 0 } ?? 0
                while pending != nil || running > 0 {
                    while running < governor.maximum + uploading, let item = pending {
                        if Task.isCancelled { throw CancellationError() }
                        let first = isFirst
                        isFirst = false
                        pending = iterator.next()
                        running += 1
                        group.addTask {
                            if !first && options.waitBetweenDownloads > 0 {
                                try await options.time.sleep(options.waitBetweenDownloads)
                            }
                            let result = try await engine.download(
                                item, client: client, governor: governor, onEvent: onEvent)
                            switch result {
                            case .downloaded, .skipped, .placeholder, .noFootage:
                                return (result, try await engine.saveImages(item, client: client, onEvent: onEvent))
                            case .failed, .short:
                                return (result, ImageResults())
                            }
                        }
                    }
                    guard let (result, images) = try await group.next() else { break }
                    running -= 1
                    summary.images += images.saved
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
                    case .short(let path, let bytes):
                        summary.shortRecordings += 1
                        summary.shortPaths.append(path)
                        summary.bytes += bytes
                    case .failed(let path, let error):
                        summary.failed += 1
                        failure = (path, error)
                    }
                    if let first = images.firstFailure, failure == nil {
                        summary.failed += 1
                        failure = ("images", ArchiveError.imagesFailed(count: images.failed, first: first))
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

    /// Retries a console call after overload or network failures, with back-off.
    func withRetries<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        try await options.callRetryPolicy.run(retryingWithin: .export) { _ in try await call() }
    }
}
