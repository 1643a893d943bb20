import GRDB

/// What the archive knows about one segment of one camera's stream.
public struct SegmentRecord: Sendable, Codable, Equatable, FetchableRecord {
    /// `complete`: the file is there and checked; `empty`: the console had no footage; `failed`: not yet had;
    /// `pruned`: removed by retention; `missing`: recorded complete, then found gone from the destination (by `sync`
    /// or `verify`): the next `sync` fetches it again while the console still has it; `short`: a damaged recording,
    /// the console ended every attempt at the same byte; what it sent is at `path` (`.short.mp4`), not asked again.
    public enum Status: String, Sendable, Codable {
        case complete, empty, failed, pruned, missing, short
    }

    public var cameraID: String
    /// The stream: `0`, `1`, `2` or `package`, with a timelapse suffix where one was asked.
    public var stream: String
    /// First millisecond, and the next segment's start.
    public var start: Int64
    public var end: Int64
    /// Path relative to the destination.
    public var path: String
    public var size: Int64
    /// Lower-case hex SHA-256 of the file.
    public var sha256: String?
    public var status: Status
    public var attempts: Int
    public var lastReason: String?
    /// Milliseconds since 1970 of the last change.
    public var updatedAt: Int64
    /// Whether the file was found in the destination rather than downloaded.
    public var adopted: Bool
    /// Seconds of video the file held when it was recorded complete (its MP4 header's duration); nil for rows of
    /// older archives.
    public var duration: Double?
}
