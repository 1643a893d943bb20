import Foundation
import Logging
import ProtectAPI

extension SyncJob {
    /// Checks a file found under an expected name and records it as complete; false when it is not a whole MP4.
    func adopt(_ path: String, item: ExportItem, segment: Segment, stream: String, state: ArchiveState) throws -> Bool {
        let url = options.engine.destination.appendingPathComponent(path)
        let duration: Double?
        do {
            duration = try MP4Check.duration(path: url.path)
        } catch {
            logger.warning("Not adopting \(path): \(error.localizedDescription); downloading it again.")
            return false
        }
        let claimed = ClaimedDuration.seconds(start: segment.start, end: segment.end, variant: options.variant)
        if let mismatch = ClaimedDuration.mismatch(duration, claimed: claimed, claimant: "its name") {
            logger.warning("Not adopting \(path): \(mismatch); downloading it again.")
            return false
        }
        let hash = try FileHash.sha256(of: url)
        try state.recordComplete(
            cameraID: item.info.cameraID, stream: stream, start: segment.start, end: segment.end, path: path,
            size: hash.size, sha256: hash.hex, adopted: true, duration: duration)
        return true
    }

    /// Writes the engine's outcome for a segment into the state.
    static func record(_ event: DownloadEvent, stream: String, state: ArchiveState, logger: Logger) {
        do {
            switch event {
            case .downloaded(let info, let bytes, _, _, let sha256, let duration):
                try state.recordComplete(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    size: bytes, sha256: sha256, adopted: false, duration: duration)
            case .noFootage(let info, let reason):
                try state.recordOutcome(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    status: .empty, reason: reason, attempts: 1)
            case .short(let info, let path, let bytes, let attempts, let reason):
                try state.recordShort(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: path,
                    size: bytes, reason: reason, attempts: max(1, attempts))
            case .failed(let info, let error, let attempts):
                try state.recordOutcome(
                    cameraID: info.cameraID, stream: stream, start: info.start, end: info.end + 1, path: info.path,
                    status: .failed, reason: ErrorText.sentence(error), attempts: max(1, attempts))
            default: break
            }
        } catch {
            logger.error("Recording a segment in the archive state failed: \(error.localizedDescription)")
        }
    }
}
