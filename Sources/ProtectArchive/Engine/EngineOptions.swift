import Foundation
import ProtectAPI

/// How the engine downloads; shared by `download`, `events` and `sync`.
public struct EngineOptions: Sendable {
    public var destination: URL
    public var skipExistingFiles = false
    public var touchFiles = false
    public var ignoreFailedDownloads = false
    public var waitBetweenDownloads: Double = 0
    /// Exports at the same time, at most: the engine finds the console's best level up to this (see
    /// `ConcurrencyGovernor`).
    public var parallel = Self.defaultParallel
    /// The level the engine starts at.
    public var initialParallel = Self.defaultInitialParallel
    /// Find the best level up to `parallel` (true), or run `parallel` at once (false; refusals still lower it).
    public var adaptiveParallel = true
    /// At most this many exports at once unless told otherwise.
    public static let defaultParallel = 8
    /// The first level tried: most consoles take 3 to 5 exports at once; a refusal teaches a lower ceiling at once.
    public static let defaultInitialParallel = 4
    /// Attempts answered "overloaded" (too many exports) do not count against `retries`; at most this many per
    /// file, with a growing pause, before it fails.
    public var overloadRetries = 20
    /// Further attempts after a network failure, a broken body or a 5xx answer.
    public var retries = 3
    /// First back-off delay in seconds; it doubles with each attempt.
    public var retryDelay: Double = 2
    /// Attempts at an event image while the console still answers 404 (it renders them after the event).
    public var imageAttempts = 6
    /// Called with the byte count of every chunk written, for progress displays.
    public var onBytes: (@Sendable (Int) -> Void)?
    /// The `.part` files in flight, for a stop at once.
    public var partFiles = PartFileRegistry()
    /// The wall clock (injected by tests).
    public var clock = WallClock.system
    /// Monotonic time and waits: back-off, pacing and the governor's measures (tests move it on instead).
    public var time = TimeSource.system
    /// Seeds the jitter of the back-off, so that a run's waits can be replayed.
    public var seed = UInt64.random(in: 0...UInt64.max)
    /// A remote archive (rclone): files stream there instead of into `destination`, which then holds only the state.
    public var remote: RemoteStore?

    public init(destination: URL) {
        self.destination = destination
    }
}

extension EngineOptions {
    /// How an export is asked again: doubling waits with ±20% jitter, at least the console's `Retry-After`.
    var exportRetryPolicy: RetryPolicy {
        RetryPolicy(
            retries: retries, delay: retryDelay, jitter: 0.2, retryAfter: .atLeast(ceiling: .infinity), time: time,
            seed: seed)
    }

    /// How an event image is asked again while the console renders it: at least 1 s, growing to 4 steps.
    var imageRetryPolicy: RetryPolicy {
        RetryPolicy(
            retries: max(1, imageAttempts) - 1, delay: max(1, retryDelay), growth: .linear(steps: 4), time: time)
    }

    /// How another console call (a snapshot) is tried again: doubling waits.
    var callRetryPolicy: RetryPolicy {
        RetryPolicy(retries: retries, delay: retryDelay, time: time)
    }
}
