/// Which camera and range a file is, and where it goes.
public struct SegmentInfo: Sendable, Codable, Equatable {
    public var cameraID: String
    public var cameraName: String
    /// Milliseconds since 1970; `end` is the export's inclusive end.
    public var start: Int64
    public var end: Int64
    /// Path relative to the destination.
    public var path: String
    /// The events a clip shows (empty for plain recordings).
    public var eventIDs: [String] = []

    public init(cameraID: String, cameraName: String, start: Int64, end: Int64, path: String) {
        self.cameraID = cameraID
        self.cameraName = cameraName
        self.start = start
        self.end = end
        self.path = path
    }
}
