import GRDB

/// A camera as the archive last saw it (removed and renamed cameras keep their rows).
public struct CameraRecord: Sendable, Codable, Equatable, FetchableRecord {
    public var id: String
    public var name: String
    public var firstSeen: Int64
    public var lastSeen: Int64
}
