import Foundation
import Logging
import ProtectAPI

extension SyncJob {
    /// Removes complete files that ended before `cutoff` and that the state knows, then their empty folders.
    func prune(before cutoff: Int64, state: ArchiveState, report: inout SyncReport) throws {
        let fileManager = FileManager.default
        let destination = options.engine.destination.standardizedFileURL
        for record in try state.completeSegments(endingBy: cutoff) {
            let url = destination.appendingPathComponent(record.path)
            let size = (try? fileManager.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
            guard let size else {
                if !options.dryRun {
                    try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
                }
                continue
            }
            guard size == record.size else {
                logger.warning("Not removing \(record.path): its size changed since it was downloaded.")
                continue
            }
            report.pruned.append(record.path)
            report.prunedBytes += size
            if options.dryRun { continue }
            try fileManager.removeItem(at: url)
            try state.recordPruned(cameraID: record.cameraID, stream: record.stream, start: record.start)
            var folder = url.deletingLastPathComponent().standardizedFileURL
            while folder.path.hasPrefix(destination.path + "/"),
                (try? fileManager.contentsOfDirectory(atPath: folder.path))?.isEmpty == true
            {
                try? fileManager.removeItem(at: folder)
                folder = folder.deletingLastPathComponent().standardizedFileURL
            }
        }
    }
}
