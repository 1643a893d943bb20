import Foundation

extension VerifyJob {
    /// Checks a remote archive: one listing gives every file's size (and the remote's own hash where it has one,
    /// compared with the one recorded when the file was uploaded); `deep` reads files back through rclone and compares
    /// their SHA-256, up to `deepMaxBytes`.
    func checkRemote(_ remote: RemoteStore, state: ArchiveState, onProblem: (VerifyProblem) -> Void) async throws
        -> VerifyReport
    {
        var report = VerifyReport()
        let records = try state.segments(status: .complete) + state.segments(status: .missing)
        let uploads = Dictionary(
            try state.remoteFiles(status: .uploaded).map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        // The kinds of hash the uploads were recorded with (an archive uploaded before SHA-1 was used has MD5s).
        let listing = try await remote.list(hashTypes: Set(uploads.values.compactMap { $0.recordedHash?.kind }))
        try await SyncJob.checkIdentity(remote, listing: listing, state: state, mark: false)
        var readBack: [SegmentRecord] = []
        var budget = deepMaxBytes ?? Int64.max
        for record in records {
            report.checked += 1
            guard let object = listing[record.path] else {
                let problem = VerifyProblem(record: record, kind: .missing, detail: "the file is not on the remote")
                report.problems.append(problem)
                onProblem(problem)
                continue
            }
            if object.size != record.size {
                let problem = VerifyProblem(
                    record: record, kind: .altered, detail: "\(object.size) bytes instead of \(record.size)")
                report.problems.append(problem)
                onProblem(problem)
                continue
            }
            if let recorded = uploads[record.path]?.recordedHash, let now = object.hashes[recorded.kind.rawValue],
                now != recorded.hex
            {
                let problem = VerifyProblem(
                    record: record, kind: .altered, detail: "the remote's \(recorded.kind.displayName) of it changed")
                report.problems.append(problem)
                onProblem(problem)
                continue
            }
            if record.status == .missing { try state.recordRestored(path: record.path) }
            if deep && record.size <= budget {
                budget -= record.size
                readBack.append(record)
            }
        }
        // One rclone reads back a batch of files (bounded, so a failure costs little and progress is steady).
        var start = 0
        while start < readBack.count {
            let batch = Array(readBack[start..<min(start + 64, readBack.count)])
            start += batch.count
            let sums = try await remote.downloadHashes(batch.map(\.path))
            for record in batch {
                let detail: String
                if let sum = sums[record.path] {
                    if sum == record.sha256 { continue }
                    detail = "its SHA-256, read back from the remote, changed"
                } else {
                    detail = "it could not be read back from the remote"
                }
                let problem = VerifyProblem(record: record, kind: .altered, detail: detail)
                report.problems.append(problem)
                onProblem(problem)
            }
        }
        report.readBack = readBack.count
        try noteMissing(report.problems, state: state)
        return report
    }
}
