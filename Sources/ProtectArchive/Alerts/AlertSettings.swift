import Foundation

/// What a run watches and where its alerts go (the command line's `--notify`, `--webhook`, `--alert-*` options).
public struct AlertSettings: Sendable {
    public var channels: [any AlertChannel] = []
    public var policy = AlertPolicy.standard
    /// Seconds after which a camera's newest footage in the archive is stale; nil: staleness is not watched.
    public var staleAfter: Double?
    /// Thresholds of single cameras, by id or name (case-insensitive); they win over `staleAfter`.
    public var staleAfterCamera: [String: Double] = [:]
    /// How often open conditions are looked at again (grace periods, reminders, staleness).
    public var tickEvery: Double = 60
    /// A local destination whose free space is watched; nil for none (a remote's space is the remote's).
    public var freeSpaceFolder: URL?
    /// The least free space before `destination-low` (default 5 % of the disk).
    public var minimumFree: FreeSpace.Minimum? = .fraction(0.05)
    /// Seconds: an hour not yet archived that starts less than this after the console's oldest recording of its
    /// camera is `footage-at-risk` (the console deletes it next at its retention).
    public var riskMargin: Double = 86_400
    /// A summary of the archive through the same channels, daily or weekly (nil: none).
    public var summary: SummarySchedule?

    public init() {}

    /// The stale threshold `sync --every PERIOD` gets by default: two periods and two hours (a camera is stale
    /// when two passes in a row brought nothing of it); without a period, a day.
    public static func defaultStale(period: Double?) -> Double {
        guard let period else { return 86_400 }
        return 2 * period + 7200
    }

    /// The threshold of one camera.
    public func staleAfter(cameraID: String, name: String) -> Double? {
        for (key, seconds) in staleAfterCamera
        where key.lowercased() == cameraID.lowercased() || key.lowercased() == name.lowercased() {
            return seconds
        }
        return staleAfter
    }
}
