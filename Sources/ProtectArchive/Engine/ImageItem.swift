import ProtectAPI

/// An image saved beside a clip (an event's thumbnail or heatmap).
public struct ImageItem: Sendable, Equatable {
    public var request: ImageRequest
    /// Path relative to the destination.
    public var path: String

    public init(request: ImageRequest, path: String) {
        self.request = request
        self.path = path
    }
}
