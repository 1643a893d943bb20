import Foundation

/// Everything a simulated console can be told at start; the defaults are those of a healthy console.
public struct SimulatorConfiguration: Sendable {
    /// The console generation the simulator plays.
    public enum Mode: String, Sendable, CaseIterable {
        /// CloudKey Gen2+ before UniFi OS: bearer token, access keys, API under `/api/`.
        case legacy
        /// UniFi OS consoles: cookie + CSRF, API under `/proxy/protect/api/`.
        case unifiOS = "unifi-os"
    }

    /// How the console answers a request whose session has expired.
    /// Console behaviours real owners met, by firmware.
    public enum Firmware: String, Sendable, CaseIterable {
        /// Everything works.
        case standard
        /// The one-step `video/export` fails for every request (500), while the web UI's two-step
        /// `video/prepare` + `video/download` works, as on a release reported to unifi-protect-backup's tracker.
        case brokenExport = "broken-export"
        /// UniFi OS 4+: the session cookie is named `UOS_TOKEN`.
        case uosToken = "uos-token"
        /// Sessions end after `earlySessionEnd` seconds although their JWT's `exp` says much later, as UniFi OS
        /// 5.1 was reported to do.
        case earlySessionEnd = "early-session-end"
    }

    public enum ExpiredSessionAnswer: String, Sendable {
        /// 401 with `AUTHENTICATION_FAILED`.
        case unauthorized
        /// The login page as HTML with status 200, as some UniFi OS versions do.
        case loginPage = "login-page"
    }

    /// Network settings.
    public struct Network: Sendable {
        /// Address to bind; loopback by default.
        public var host = "127.0.0.1"
        /// Port; 0 picks a free one.
        public var port = 0
        /// Serve HTTPS with a self-signed certificate (true) or plain HTTP for debugging.
        public var tls = true
        public init() {}
    }

    /// Accounts, sessions and their expiry.
    public struct Authentication: Sendable {
        public var username = "admin"
        public var password = "protect"
        /// A user that exists but needs a second factor: its logins get 499.
        public var mfaUsername = "cloud-user"
        /// UniFi OS cookie name: `TOKEN` or, on UniFi OS 4+, `UOS_TOKEN`.
        public var cookieName = "TOKEN"
        /// Lifetime of a session (JWT `exp`, legacy bearer token), in seconds.
        public var sessionLifetime: Double = 3600
        /// Legacy bearer tokens stop working after this many uses (nil: unlimited).
        public var sessionMaxUses: Int? = nil
        /// Legacy access keys stop working after this many exports.
        public var accessKeyMaxUses: Int? = 10
        /// Lifetime of a legacy access key, in seconds.
        public var accessKeyLifetime: Double = 600
        /// Login attempts accepted per minute before 429.
        public var loginsPerMinute = 30
        /// Seconds announced in `Retry-After` with a 429.
        public var loginRetryAfter = 20
        /// The CSRF token rotates after this many API responses (nil: never).
        public var csrfRotationInterval: Int? = 25
        /// With the `early-session-end` firmware: seconds after which a session ends whatever its `exp` says.
        public var earlySessionEnd: Double = 20
        /// What an expired session gets.
        public var expiredSessionAnswer: ExpiredSessionAnswer = .unauthorized
        /// The time sessions, logins and access keys live by (tests move it on instead of waiting).
        public var clock = SimulatedClock.system
        public init() {}
    }

    /// The generated cameras, used when no captured bootstrap is given.
    public struct Cameras: Sendable {
        public var count = 4
        /// Use names that break naive file naming: slashes, `..`, quotes, emoji, leading spaces, very long.
        public var hostileNames = false
        /// The console's IANA time zone.
        public var timeZone = "America/New_York"
        /// Hours of recording history before now.
        public var historyHours = 48
        /// Main-channel bitrate in bits per second (medium and low channels are smaller).
        public var bitrate = 2_000_000
        /// Frames per second of every channel.
        public var framesPerSecond = 15
        /// Frame size of the main channel.
        public var width = 1280
        public var height = 720
        /// Give the first camera a G4 Doorbell Pro with a package lens.
        public var packageCamera = true
        /// The last `disconnectedCount` cameras are disconnected and stopped recording six hours ago.
        public var disconnectedCount = 0
        /// The last `motionOnlyCount` cameras record only on motion and have quiet hours.
        public var motionOnlyCount = 0
        /// Hours of the day (console time) with no footage on motion-only cameras.
        public var quietHours: Set<Int> = [1, 2, 3, 4]
        /// Burn the camera's name and the wall-clock time into the video (off only for tests whose files must
        /// stay tiny: the text costs about 20 kbit/s at 640x360).
        public var burnedInText = true
        /// Seed for ids, MACs and events, so that runs are repeatable.
        public var seed: UInt64 = 1
        public init() {}
    }

    /// Periods with no recording, as `(camera index or nil for all, start ms, end ms)`.
    public struct Gap: Sendable, Hashable {
        public var cameraIndex: Int?
        public var start: Int64
        public var end: Int64
        public init(cameraIndex: Int?, start: Int64, end: Int64) {
            self.cameraIndex = cameraIndex
            self.start = start
            self.end = end
        }
    }

    /// How exports are answered.
    public struct Export: Sendable {
        /// Send `Content-Length` (true) or stream chunked like real consoles (false).
        public var contentLength = false
        /// Bytes per body chunk.
        public var chunkSize = 256 * 1024
        public init() {}
    }

    /// The console's speed and limits; off unless `enabled`.
    public struct Performance: Sendable {
        public var enabled = false
        /// Time to first byte: a base plus a part growing with the exported range.
        public var firstByteBase: Double = 0.2
        public var firstByteSecondsPerHour: Double = 2
        /// Per-export byte-rate cap (bytes per second, nil: none).
        public var streamBytesPerSecond: Double? = 40_000_000
        /// Cap on all exports together (bytes per second, nil: none).
        public var totalBytesPerSecond: Double? = 80_000_000
        /// Concurrent exports beyond this number get 500.
        public var maxConcurrentExports = 3
        /// Past this many exports at once the console gets slower, not failing: each export beyond it takes
        /// `slowdownPerExtraExport` of every byte-rate cap away (nil: no such point).
        public var bestConcurrency: Int?
        public var slowdownPerExtraExport = 0.15
        /// Time to first byte grows with how busy the console is: seconds per other export in progress.
        public var firstByteSecondsPerBusyExport: Double = 0
        public init() {}

        /// The share of its byte rate the console gives with `exports` running.
        public func speedFactor(exports: Int) -> Double {
            guard let bestConcurrency, exports > bestConcurrency else { return 1 }
            return max(0.2, 1 - slowdownPerExtraExport * Double(exports - bestConcurrency))
        }
    }

    /// The console while it runs: live events, the websocket's regular updates, a replayed capture.
    public struct Live: Sendable {
        /// Live events per camera per hour (0: none but those asked for through `POST /__sim/events`).
        public var eventRate: Double = 0
        /// Share of live events that last 10 to 60 minutes instead of seconds to minutes.
        public var longEventShare: Double = 0
        /// Seconds between the NVR's and cameras' regular updates on the websocket (0: none).
        public var heartbeatSeconds: Double = 10
        /// Send the packets of this capture (uiprotect's `sample_ws_messages.json` format) to each websocket
        /// client, byte for byte, instead of live updates.
        public var replayFile: String?
        /// Replay this many times faster than captured.
        public var replaySpeed: Double = 1
        public init() {}
    }

    public var mode: Mode = .unifiOS
    public var live = Live()
    public var network = Network()
    public var authentication = Authentication()
    public var cameras = Cameras()
    public var gaps: [Gap] = []
    public var export = Export()
    public var performance = Performance()
    /// Faults active from the start.
    public var faults = FaultSettings()
    /// A captured bootstrap to serve instead of generated cameras.
    public var bootstrapFile: String?
    /// Captured events to serve instead of generated ones.
    public var eventsFile: String?
    /// Seconds after an event ends before its thumbnail and heatmap exist.
    public var eventImageDelay: Double = 0
    /// Console name and Protect version in the bootstrap.
    public var consoleName = "Simulated NVR"
    public var protectVersion = "4.0.21"
    /// Which firmware's behaviours the console shows.
    public var firmware = Firmware.standard
    /// What "now" is for recordings, events and the bootstrap (a fixed moment in tests that compare passes).
    public var clock = SimulatedClock.system

    public init(mode: Mode = .unifiOS) {
        self.mode = mode
    }
}

/// Faults to inject: each counter applies to that many upcoming requests of its kind.
public struct FaultSettings: Sendable, Codable, Equatable {
    /// Close the connection after this many body bytes of the next `resetCount` exports.
    public var resetAfterBytes: Int64?
    public var resetCount = 0
    /// Answer the next `failCount` API requests with `failStatus` (500, 502 or 503).
    public var failStatus = 503
    public var failCount = 0
    /// Apply `failCount` to exports only (true) or to every API request (false).
    public var failExportsOnly = false
    /// Stall the next `stallCount` export bodies for `stallSeconds` after `stallAfterBytes`.
    public var stallSeconds: Double = 0
    public var stallAfterBytes: Int64 = 65_536
    public var stallCount = 0
    /// Answer the next exports with the HTML login page and status 200.
    public var htmlLoginPageCount = 0
    /// End the next export bodies cleanly but before the `moov` box.
    public var cutBeforeMoovCount = 0
    /// Answer the next logins with 429.
    public var loginRateLimitCount = 0
    /// Answer the next API requests with 401 although their session is valid (also right after a new login).
    public var unauthorizedCount = 0
    /// Websocket: answer the next upgrades with 401 and end the session they carry, as after a session expiry.
    public var websocketUnauthorizedCount = 0
    /// Websocket: close the next sockets right after the upgrade for a stale `lastUpdateId`.
    public var staleUpdateIDCount = 0
    /// Websocket: the next sockets go silent right after the upgrade (nothing sent, pings unanswered).
    public var stalledWebsocketCount = 0
    /// The next live events never get their closing `update` on the websocket (`/events` shows their end).
    public var unendedEventCount = 0
    /// Actions, done once when posted: every open socket goes silent; every socket is dropped; the console
    /// restarts, refusing connections for this many seconds, and comes back with a new `lastUpdateId`.
    public var stallWebsockets = false
    public var dropWebsockets = false
    public var restartSeconds: Double?
    /// A damaged recording, not a counter: every export of camera `damagedCamera` whose range holds the instant
    /// `damagedAt` (milliseconds) ends after `damagedAfterBytes` body bytes, on every attempt (the connection closes).
    public var damagedCamera: String?
    public var damagedAt: Int64?
    public var damagedAfterBytes: Int64 = 65_536

    public init() {}

    enum CodingKeys: String, CodingKey {
        case resetAfterBytes, resetCount, failStatus, failCount, failExportsOnly, stallSeconds, stallAfterBytes,
            stallCount
        case htmlLoginPageCount, cutBeforeMoovCount, loginRateLimitCount, unauthorizedCount
        case websocketUnauthorizedCount, staleUpdateIDCount, stalledWebsocketCount, unendedEventCount
        case stallWebsockets, dropWebsockets, restartSeconds
        case damagedCamera, damagedAt, damagedAfterBytes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resetAfterBytes = try container.decodeIfPresent(Int64.self, forKey: .resetAfterBytes)
        resetCount = try container.decodeIfPresent(Int.self, forKey: .resetCount) ?? 0
        failStatus = try container.decodeIfPresent(Int.self, forKey: .failStatus) ?? 503
        failCount = try container.decodeIfPresent(Int.self, forKey: .failCount) ?? 0
        failExportsOnly = try container.decodeIfPresent(Bool.self, forKey: .failExportsOnly) ?? false
        stallSeconds = try container.decodeIfPresent(Double.self, forKey: .stallSeconds) ?? 0
        stallAfterBytes = try container.decodeIfPresent(Int64.self, forKey: .stallAfterBytes) ?? 65_536
        stallCount = try container.decodeIfPresent(Int.self, forKey: .stallCount) ?? 0
        htmlLoginPageCount = try container.decodeIfPresent(Int.self, forKey: .htmlLoginPageCount) ?? 0
        cutBeforeMoovCount = try container.decodeIfPresent(Int.self, forKey: .cutBeforeMoovCount) ?? 0
        loginRateLimitCount = try container.decodeIfPresent(Int.self, forKey: .loginRateLimitCount) ?? 0
        unauthorizedCount = try container.decodeIfPresent(Int.self, forKey: .unauthorizedCount) ?? 0
        websocketUnauthorizedCount = try container.decodeIfPresent(Int.self, forKey: .websocketUnauthorizedCount) ?? 0
        staleUpdateIDCount = try container.decodeIfPresent(Int.self, forKey: .staleUpdateIDCount) ?? 0
        stalledWebsocketCount = try container.decodeIfPresent(Int.self, forKey: .stalledWebsocketCount) ?? 0
        unendedEventCount = try container.decodeIfPresent(Int.self, forKey: .unendedEventCount) ?? 0
        stallWebsockets = try container.decodeIfPresent(Bool.self, forKey: .stallWebsockets) ?? false
        dropWebsockets = try container.decodeIfPresent(Bool.self, forKey: .dropWebsockets) ?? false
        restartSeconds = try container.decodeIfPresent(Double.self, forKey: .restartSeconds)
        damagedCamera = try container.decodeIfPresent(String.self, forKey: .damagedCamera)
        damagedAt = try container.decodeIfPresent(Int64.self, forKey: .damagedAt)
        damagedAfterBytes = try container.decodeIfPresent(Int64.self, forKey: .damagedAfterBytes) ?? 65_536
    }
}

/// The simulator's wall clock in milliseconds since 1970; tests fix it so that nothing depends on the hour they run.
public struct SimulatedClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    /// The system's clock.
    public static let system = SimulatedClock { Int64(Date().timeIntervalSince1970 * 1000) }
    /// Always `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> SimulatedClock { SimulatedClock { milliseconds } }

    /// Now as a date.
    public var date: Date { Date(timeIntervalSince1970: Double(now()) / 1000) }
}
