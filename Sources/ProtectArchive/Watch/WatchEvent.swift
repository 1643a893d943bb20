import ProtectAPI

/// A saved (or failed) event clip, as `watch` reports it.
public struct ClipReport: Sendable {
    public var cameraID: String
    public var cameraName: String
    /// The events the clip holds (several when merged).
    public var events: [Event]
    /// Relative to the destination.
    public var path: String
    public var start: Int64
    public var end: Int64
    public var bytes: Int64
    public var sha256: String?
    /// Milliseconds from the last event's end to the clip in place.
    public var latency: Int64
    /// Attempts so far.
    public var attempts: Int
}

/// Counts a `watch` heartbeat shows.
public struct WatchStatus: Sendable, Codable, Equatable {
    /// `connected`, `connecting` or `waiting`.
    public var connection = "connecting"
    public var connections = 0
    public var packets = 0
    public var eventsEnded = 0
    public var clipsSaved = 0
    public var clipsFailed = 0
    public var eventsAbandoned = 0
    public var queued = 0
    public var inFlight = 0
    public var backfills = 0
    public var backfilled = 0
    public var bytes: Int64 = 0

    public init() {}
}

/// What `watch` reports as it runs.
public enum WatchEvent: Sendable {
    /// The websocket is open (resuming from this update id).
    case connected(lastUpdateID: String?)
    /// The websocket closed or could not open; the next try is in `retryIn` seconds.
    case disconnected(reason: String, retryIn: Double)
    /// A packet arrived (for `-v`).
    case packet(UpdateAction)
    /// An event ended and is queued for its clip (from the websocket, or found by a back-fill).
    case queued(Event, fromBackfill: Bool)
    /// A back-fill ran over `[from, to]` and queued `queued` of `found` ended events.
    case backfill(from: Int64, to: Int64, found: Int, queued: Int)
    case clipSaved(ClipReport)
    /// A clip failed; `retryIn` is nil when its events were given up.
    case clipFailed(ClipReport, reason: String, retryIn: Double?)
    /// An image of a saved clip could not be had.
    case imageFailed(path: String, reason: String)
    case heartbeat(WatchStatus)
    /// A pass of the hourly archive finished.
    case hoursPass(SyncReport)
    /// Anything else worth one line.
    case notice(String)
}
