/// A file at its final name: what the engine reports of it.
struct StoredFile: Sendable {
    var bytes: Int64
    var sha256: String
    /// The MP4's duration from its header, in seconds.
    var duration: Double?
}
