import ProtectAPI

/// One export the engine fetches, and the images to save beside it.
public struct ExportItem: Sendable {
    public var request: ExportRequest
    public var info: SegmentInfo
    public var images: [ImageItem] = []
    /// Wall-clock milliseconds before which the export is not asked (the console is still writing the range).
    public var notBefore: Int64?

    public init(request: ExportRequest, info: SegmentInfo) {
        self.request = request
        self.info = info
    }
}
