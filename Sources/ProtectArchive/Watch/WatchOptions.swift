import Foundation

/// Everything `watch` decides: the events and clip rules of `events`, how the websocket is kept alive, how the
/// back-fill and retries run, and whether the hourly archive is kept too.
public struct WatchOptions: Sendable {
    /// Filters, padding, merging, images, names, settle delay and the engine, as for `events`.
    public var events: EventOptions
    /// Where the first run's back-fill begins (default: an hour ago); later runs resume from the state.
    public var sinceText: String?
    /// Seconds between back-fills from `GET events` (also run at start and after every reconnect).
    public var backfillSeconds: Double = 60
    /// Seconds between pings on the websocket; a ping not answered within one more period closes it.
    public var pingSeconds: Double = 30
    /// Seconds without any packet after which the websocket is taken for dead and opened again.
    public var silenceSeconds: Double = 300
    /// Waits before reconnecting after the first, second... failure; the last repeats.
    public var backoff: [Double] = [0, 5, 15, 30, 60]
    /// Each wait is varied by up to this share either way, so many daemons do not reconnect in step.
    public var jitter: Double = 0.2
    /// Attempts at an event's clip before it is given up (recorded with the reason).
    public var maxAttempts = 10
    /// The first wait before an event's clip is tried again; it doubles up to 30 minutes.
    public var retrySeconds: Double = 30
    /// How long a clip ready to save waits for a running or settling event of the same camera it would merge with
    /// (0: clips are saved as soon as ready, merging only the events ready together).
    public var mergeHoldSeconds: Double = 0
    /// Seconds between heartbeat reports.
    public var heartbeatSeconds: Double = 600
    /// Keep the hourly archive too, as `sync` would, with these options; nil for events only.
    public var hours: SyncOptions?
    /// Seconds between passes of the hourly archive.
    public var hoursSeconds: Double = 600
    /// Seeds the jitter (tests give a fixed one).
    public var seed: UInt64 = UInt64.random(in: 0...UInt64.max)

    public init(destination: URL) {
        events = EventOptions(startText: "", endText: "", destination: destination)
        events.engine.ignoreFailedDownloads = true
    }

    /// The wait before reconnect number `failures` (1 for the first failure), jitter applied.
    public func reconnectDelay(failures: Int, random: inout some RandomNumberGenerator) -> Double {
        guard failures > 0, let last = backoff.last else { return 0 }
        let base = backoff[min(failures - 1, backoff.count - 1)]
        let spread = min(max(jitter, 0), 1) * (failures > backoff.count ? last : base)
        guard spread > 0 else { return base }
        return max(0, base + Double.random(in: -spread...spread, using: &random))
    }

    /// The wait before attempt `attempts + 1` at an event's clip.
    public func retryDelay(attempts: Int) -> Double {
        min(1800, retrySeconds * pow(2, Double(max(0, attempts - 1))))
    }
}
