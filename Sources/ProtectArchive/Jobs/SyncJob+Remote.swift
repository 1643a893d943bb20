import Foundation

extension SyncJob {
    /// Retention on a remote: deletes exactly the complete files the state knows that ended before `cutoff` (the
    /// remote's own times are upload times, so they decide nothing), each still the size recorded, and records
    /// each pruned once rclone has deleted it.
    func pruneRemote(_ remote: RemoteStore, before cutoff: Int64, state: ArchiveState, report: inout SyncReport)
        async throws
    {
        let expired = try state.completeSegments(endingBy: cutoff)
        guard !expired.isEmpty else { return }
        let listing = try await remote.list()
        var doomed: [SegmentRecord] = []
        for record in expired {
            guard let object = listing[record.path] else {
                if !options.dryRun {
                    try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
                    try state.forgetRemoteFile(path: record.path)
                }
                continue
            }
            guard object.size == record.size else {
                logger.warning("Not removing \(record.path): its size changed since it was uploaded.")
                continue
            }
            report.pruned.append(record.path)
            report.prunedBytes += object.size
            doomed.append(record)
        }
        if options.dryRun || doomed.isEmpty { return }
        for record in doomed {
            try await remote.delete(record.path)
            try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
            try state.forgetRemoteFile(path: record.path)
        }
        await remote.removeEmptyFolders()
    }
}
