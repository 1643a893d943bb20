import Foundation
import Logging
import ProtectAPI
import Synchronization

extension WatchJob {
    /// What the engine did with a clip's pieces.
    struct PieceOutcomes: Sendable {
        /// The engine's last word on each piece, by path.
        var byPath: [String: DownloadEvent] = [:]
        /// Images that could not be saved, and why.
        var imageFailures: [(path: String, reason: String)] = []
        /// The run was stopped.
        var interrupted = false
        /// What ended the run early, if anything did.
        var thrown: String?
    }

    /// Saves one clip (every piece) through the engine and records it; a failure is recorded per event and
    /// retried later, until the cap.
    func save(
        _ work: ClipWork, client: ProtectClient, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async {
        guard let first = work.pieces.first, let last = work.pieces.last else {
            await session.finish(work.events, retry: [])
            return
        }
        let stream = ArchiveState.eventStream(options.events.variant)
        let cameraID = first.info.cameraID
        let pieces = await piecesToSave(work, stream: stream, state: state)
        let outcomes = await download(pieces, client: client)
        if outcomes.interrupted || Task.isCancelled {
            await session.finish(work.events, retry: [])
            return
        }
        for (path, reason) in outcomes.imageFailures { onEvent(.imageFailed(path: path, reason: reason)) }
        var bytes: Int64 = 0
        var failure: String?
        var savedPath = last.info.path
        var sha: String?
        for piece in pieces {
            switch outcomes.byPath[piece.info.path] {
            case .downloaded(let info, let size, _, _, let sha256, let duration):
                do {
                    try state.recordEventPiece(
                        stream: stream, cameraID: cameraID, start: info.start, end: info.end + 1, path: info.path,
                        size: size, sha256: sha256, duration: duration)
                } catch {
                    failure = failure ?? "the clip could not be recorded: \(ErrorText.sentence(error))"
                }
                bytes += size
                savedPath = info.path
                sha = sha256
            case .failed(_, let error, _):
                failure = failure ?? ErrorText.sentence(error)
            case .noFootage(_, let reason):
                failure = failure ?? "the console had no video yet (\(reason))"
            default:
                failure = failure ?? outcomes.thrown ?? "the download did not finish"
            }
        }
        let clock = options.events.engine.clock
        let latency = clock.now() - (work.events.compactMap(\.end).max() ?? clock.now())
        let report = ClipReport(
            cameraID: cameraID, cameraName: await session.cameraName(cameraID), events: work.events, path: savedPath,
            start: first.info.start, end: last.info.end + 1, bytes: bytes, sha256: sha, latency: latency,
            attempts: work.attempts + 1)
        if failure == nil {
            do {
                try state.recordEventsSaved(work.events, path: savedPath, size: bytes, sha256: sha)
            } catch {
                failure = "the clip could not be recorded: \(ErrorText.sentence(error))"
            }
        }
        if let failure {
            await recordFailure(work, report: report, reason: failure, session: session, state: state, onEvent: onEvent)
            return
        }
        await session.update {
            $0.clipsSaved += 1
            $0.bytes += bytes
        }
        await session.finish(work.events, retry: [])
        onEvent(.clipSaved(report))
    }

    /// The pieces still to download, each under a name no other file has: a piece saved by an earlier attempt at
    /// this clip is left out, and a name taken by another file gets the event's id (nothing at a final name is
    /// overwritten).
    func piecesToSave(_ work: ClipWork, stream: String, state: ArchiveState) async -> [ExportItem] {
        guard let cameraID = work.pieces.first?.info.cameraID else { return [] }
        let destination = options.events.engine.destination
        let known = (try? state.segments(cameraID: cameraID, stream: stream)) ?? [:]
        let remote = options.events.engine.remote
        func exists(_ path: String) async -> Bool {
            if let remote { return (try? await remote.stat(path)) != nil }
            return FileManager.default.fileExists(atPath: destination.appendingPathComponent(path).path)
        }
        var pieces: [ExportItem] = []
        for piece in work.pieces {
            if let row = known[piece.info.start], row.status == .complete, await exists(row.path) {
                continue  // saved by an earlier attempt at this clip
            }
            var item = piece
            var number = 1
            while await exists(item.info.path) {
                let stem = String(piece.info.path.dropLast(4))
                let suffix = "_" + (work.events.first?.id ?? "clip") + (number > 1 ? "_\(number)" : "")
                item.info.path = stem + suffix + ".mp4"
                item.images = item.images.map { image in
                    var image = image
                    image.path = stem + suffix + image.path.dropFirst(stem.count)
                    return image
                }
                number += 1
            }
            pieces.append(item)
        }
        return pieces
    }

    /// Downloads the pieces one at a time through the engine, failures ignored (each is recorded).
    func download(_ pieces: [ExportItem], client: ProtectClient) async -> PieceOutcomes {
        let outcomes = Mutex(PieceOutcomes())
        var engineOptions = options.events.engine
        engineOptions.ignoreFailedDownloads = true
        engineOptions.skipExistingFiles = false
        engineOptions.parallel = 1
        do {
            let summary = try await DownloadEngine(options: engineOptions, logger: logger).run(pieces, client: client) {
                event in
                switch event {
                case .downloaded(let info, _, _, _, _, _), .failed(let info, _, _), .noFootage(let info, _):
                    outcomes.withLock { $0.byPath[info.path] = event }
                case .imageFailed(_, let path, let error):
                    outcomes.withLock { $0.imageFailures.append((path, ErrorText.sentence(error))) }
                default: break
                }
            }
            outcomes.withLock { $0.interrupted = summary.interrupted }
        } catch ArchiveError.downloadFailed(_, let underlying, _) {
            outcomes.withLock { $0.thrown = ErrorText.sentence(underlying) }
        } catch {
            outcomes.withLock { $0.thrown = ErrorText.sentence(error) }
        }
        return outcomes.withLock { $0 }
    }

    /// Records a clip that failed: each event is tried again later, or given up at the cap.
    func recordFailure(
        _ work: ClipWork, report: ClipReport, reason: String, session: WatchSession, state: ArchiveState,
        onEvent: @escaping @Sendable (WatchEvent) -> Void
    ) async {
        let clock = options.events.engine.clock
        var report = report
        var retry: [(Event, attempts: Int, readyAt: Int64)] = []
        var abandoned = 0
        for event in work.events {
            do {
                let row = try state.recordEventFailure(event, reason: reason, cap: options.maxAttempts)
                if row.status == .abandoned {
                    abandoned += 1
                } else {
                    retry.append(
                        (event, row.attempts, clock.now() + Int64(options.retryDelay(attempts: row.attempts) * 1000)))
                }
            } catch {
                retry.append((event, work.attempts + 1, clock.now() + Int64(options.retryDelay(attempts: 1) * 1000)))
            }
        }
        report.attempts = retry.map(\.attempts).max() ?? options.maxAttempts
        await session.update {
            $0.clipsFailed += 1
            $0.eventsAbandoned += abandoned
        }
        await session.finish(work.events, retry: retry)
        onEvent(
            .clipFailed(
                report, reason: reason, retryIn: retry.isEmpty ? nil : options.retryDelay(attempts: report.attempts)))
    }
}
