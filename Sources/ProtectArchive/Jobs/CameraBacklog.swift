/// A camera's hours a pass planned and the archive does not hold yet, beside the console's oldest recording of it:
/// what the console deletes first at its retention.
public struct CameraBacklog: Sendable, Equatable {
    public var cameraID: String
    public var name: String
    /// The console's oldest recording of the camera (milliseconds since 1970).
    public var consoleOldest: Int64
    /// The starts of the planned hours neither complete nor known empty, oldest first (milliseconds since 1970).
    public var unsaved: [Int64]

    public init(cameraID: String, name: String, consoleOldest: Int64, unsaved: [Int64]) {
        self.cameraID = cameraID
        self.name = name
        self.consoleOldest = consoleOldest
        self.unsaved = unsaved.sorted()
    }

    /// The unsaved hours that start less than `margin` seconds after the console's oldest recording: the next
    /// the console deletes.
    public func atRisk(margin: Double) -> [Int64] {
        let limit = consoleOldest + Int64(margin * 1000)
        return unsaved.filter { $0 < limit }
    }
}
