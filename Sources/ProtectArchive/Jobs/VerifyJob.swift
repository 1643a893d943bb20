import Foundation
import Logging
import ProtectAPI

/// A file the archive knows that is not what was downloaded.
public struct VerifyProblem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case missing, altered
    }

    public var record: SegmentRecord
    public var kind: Kind
    /// What differs: size, hash or MP4 structure.
    public var detail: String
}

/// What `verify` found (and repaired).
public struct VerifyReport: Sendable {
    public var checked = 0
    public var problems: [VerifyProblem] = []
    /// Paths downloaded again and now correct.
    public var repaired: [String] = []
    /// Problems left after a repair.
    public var unrepaired: [VerifyProblem] = []
    /// Of the checked files, those read back from a remote and hashed (`--deep`).
    public var readBack = 0
}

/// Checks every complete file the archive knows: it exists, has its size and SHA-256, and is a whole MP4.
public struct VerifyJob: Sendable {
    public let destination: URL
    /// A remote archive: checked by a listing (sizes, the remote's hashes), or with `deep` by reading files back.
    public var remote: RemoteStore?
    /// On a remote: read the files back and compare their SHA-256.
    public var deep = false
    /// On a remote with `deep`: read back at most this many bytes (files beyond are checked by the listing only).
    public var deepMaxBytes: Int64?
    /// When a check happens, for the record of verified files.
    public var clock = WallClock.system
    /// Files read and hashed at the same time (local archives).
    public var jobs = max(2, min(8, ProcessInfo.processInfo.activeProcessorCount * 2))
    let logger: Logger

    public init(destination: URL, logger: Logger) {
        self.destination = destination
        self.logger = logger
    }

    /// Checks the files; `onProblem` hears of each as it is found.
    public func check(state: ArchiveState, onProblem: (VerifyProblem) -> Void = { _ in }) async throws
        -> VerifyReport
    {
        if let remote { return try await checkRemote(remote, state: state, onProblem: onProblem) }
        var report = VerifyReport()
        var verified: [(path: String, sha256: String)] = []
        // Files an earlier check found gone are checked again: still missing, or back (restored by hand).
        let records = try state.segments(status: .complete) + state.segments(status: .missing)
        let destination = self.destination
        // Files are read and hashed on several threads at once: one thread hashes slower than a disk reads.
        let found = await BlockingWork.map(records, width: jobs) { Self.problem(with: $0, in: destination) }
        try Task.checkCancellation()
        for (record, problem) in zip(records, found.map { $0 ?? nil }) {
            report.checked += 1
            if let problem {
                report.problems.append(problem)
                onProblem(problem)
            } else if let sha256 = record.sha256 {
                verified.append((record.path, sha256))
                if record.status == .missing { try state.recordRestored(path: record.path) }
            }
        }
        try noteMissing(report.problems, state: state)
        // `status` shows which hours were read back and matched, and when. A state that cannot take the note (a full
        // disk) does not make the files any less whole: the check's answer stands.
        do {
            try state.recordVerified(verified, at: clock.now())
        } catch {
            logger.warning("The verified files could not be noted in the archive state: \(error.localizedDescription)")
        }
        return report
    }

    /// Records the files found not there as `missing`, so `status` shows them and the next `sync` fetches them
    /// again while the console still has them.
    func noteMissing(_ problems: [VerifyProblem], state: ArchiveState) throws {
        let gone = problems.filter { $0.kind == .missing && $0.record.status == .complete }.map(\.record.path)
        try state.recordMissing(
            paths: gone, reason: "gone from the destination (found by verify at \(TimeFormatting.iso(clock.now())))")
    }

    static func problem(with record: SegmentRecord, in destination: URL) -> VerifyProblem? {
        let url = destination.appendingPathComponent(record.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            return VerifyProblem(record: record, kind: .missing, detail: "the file is not there")
        }
        guard let hash = try? FileHash.sha256(of: url) else {
            return VerifyProblem(record: record, kind: .missing, detail: "the file cannot be read")
        }
        if hash.size != record.size {
            return VerifyProblem(
                record: record, kind: .altered, detail: "\(hash.size) bytes instead of \(record.size)")
        }
        if hash.hex != record.sha256 {
            return VerifyProblem(record: record, kind: .altered, detail: "its SHA-256 changed")
        }
        let duration: Double?
        do {
            duration = try MP4Check.duration(path: url.path)
        } catch {
            return VerifyProblem(record: record, kind: .altered, detail: error.localizedDescription)
        }
        // What the file holds must be what its record claims: the duration measured when it was recorded, or for
        // older rows the range itself.
        let claimed =
            record.duration
            ?? ClaimedDuration.seconds(
                start: record.start, end: record.end,
                variant: ExportVariant(streamKey: record.stream) ?? ExportVariant())
        if let mismatch = ClaimedDuration.mismatch(duration, claimed: claimed, claimant: "its record") {
            return VerifyProblem(record: record, kind: .altered, detail: mismatch)
        }
        return nil
    }

    /// Downloads the problem files again, at their recorded paths, and records the new files.
    public func repair(
        _ problems: [VerifyProblem], state: ArchiveState, client: ProtectClient, engine options: EngineOptions,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> VerifyReport {
        var items: [(ExportItem, String)] = []
        let cameras = Dictionary(
            try state.cameras().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for problem in problems {
            let record = problem.record
            guard let variant = ExportVariant(streamKey: record.stream) else { continue }
            var request = ExportRequest(cameraID: record.cameraID, start: record.start, end: record.end - 1)
            variant.apply(to: &request)
            let info = SegmentInfo(
                cameraID: record.cameraID, cameraName: cameras[record.cameraID] ?? record.cameraID,
                start: record.start, end: record.end - 1, path: record.path)
            items.append((ExportItem(request: request, info: info), record.stream))
        }
        var engineOptions = options
        engineOptions.ignoreFailedDownloads = true
        engineOptions.skipExistingFiles = false
        let streams = Dictionary(items.map { ($0.0.info.path, $0.1) }, uniquingKeysWith: { first, _ in first })
        let logger = self.logger
        _ = try await DownloadEngine(options: engineOptions, logger: logger).run(items.map(\.0), client: client) {
            event in
            if case .downloaded(let info, _, _, _, _, _) = event, let stream = streams[info.path] {
                SyncJob.record(event, stream: stream, state: state, logger: logger)
            }
            onEvent(event)
        }
        var report = VerifyReport()
        report.problems = problems
        for problem in problems {
            let current = try state.segments(cameraID: problem.record.cameraID, stream: problem.record.stream)[
                problem.record.start]
            var whole = false
            if let current, current.status == .complete {
                if let remote {
                    // Uploaded again in this repair (its upload journalled with the new hash) and there at its size.
                    let upload = try state.remoteFile(path: current.path)
                    let object = try await remote.stat(current.path)
                    whole =
                        object?.size == current.size && upload?.status == .uploaded
                        && upload?.sha256 == current.sha256
                } else {
                    whole = Self.problem(with: current, in: destination) == nil
                }
            }
            if let current, whole {
                report.repaired.append(current.path)
            } else {
                report.unrepaired.append(problem)
            }
        }
        return report
    }
}
