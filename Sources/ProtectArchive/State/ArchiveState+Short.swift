extension ArchiveState {
    /// Records a damaged recording: the console ended every attempt at `size` bytes, kept at `path` (the hour's name
    /// with `.short` before `.mp4`); later passes leave it.
    public func recordShort(
        cameraID: String, stream: String, start: Int64, end: Int64, path: String, size: Int64, reason: String,
        attempts: Int
    ) throws {
        try recordOutcome(
            cameraID: cameraID, stream: stream, start: start, end: end, path: path, status: .short, reason: reason,
            attempts: attempts, size: size)
    }
}
