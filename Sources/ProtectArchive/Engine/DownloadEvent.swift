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
    /// A damaged recording: the console ended every attempt at `bytes`; what it sent is at `path` (the hour's name
    /// with `.short` before `.mp4`), never at the hour's name.
    case short(SegmentInfo, path: String, bytes: Int64, attempts: Int, reason: String)
    /// A file failed for good after `attempts` attempts, and why.
    case failed(SegmentInfo, error: any Error, attempts: Int)
    /// Attempt `attempt` failed and the file is asked again.
    case retrying(SegmentInfo, attempt: Int, error: any Error)
    /// An image beside a clip was saved.
    case imageSaved(SegmentInfo, path: String, bytes: Int)
    /// An image beside a clip could not be had.
    case imageFailed(SegmentInfo, path: String, error: any Error)
    /// An event was left out of the run, and why (still running, no camera).
    case eventSkipped(id: String, cameraID: String?, reason: String)
}
