import Foundation

/// What the console has seen and done, for tests to assert on (`GET /__sim/stats`).
public struct ConsoleStats: Sendable, Codable, Equatable {
    /// Successful logins.
    public var logins = 0
    /// Logins refused for bad credentials, MFA or rate limiting.
    public var failedLogins = 0
    /// Legacy access keys handed out.
    public var accessKeysIssued = 0
    /// Exports answered with a body.
    public var exports = 0
    /// Exports whose body was sent to the end.
    public var completedExports = 0
    /// Exports refused because the console was overloaded.
    public var overloadRejections = 0
    /// Exports answered with "No files found".
    public var emptyExports = 0
    public var currentExports = 0
    public var peakConcurrentExports = 0
    public var bytesServed: Int64 = 0
    /// Requests by HTTP status, keyed by the status as text.
    public var requestsByStatus: [String: Int] = [:]
    /// Requests by endpoint kind (e.g. "export", "bootstrap", "login").
    public var requestsByEndpoint: [String: Int] = [:]
    /// Live events that started while the console ran, and those of them that ended.
    public var eventsCreated = 0
    public var eventsEnded = 0
    /// Live events whose end was never announced on the websocket (the `unendedEventCount` fault).
    public var eventsEndedSilently = 0
    /// The private websocket's counters.
    public var websocket = WebSocketStats()
    public init() {}
}

/// A camera's motion as the console reports it (`lastMotion`, `isMotionDetected`).
struct MotionState: Sendable {
    var last: Int64
    var detected: Bool
}

/// A login session: a legacy bearer token or a UniFi OS JWT cookie.
struct Session: Sendable {
    var token: String
    var expires: Date
    var uses = 0
    var csrfToken: String
    var previousCSRFToken: String?
}

/// A legacy access key for exports.
struct AccessKey: Sendable {
    var expires: Date
    var uses = 0
}

/// An export prepared by `video/prepare`, waiting for `video/download`.
struct PreparedExport: Sendable {
    var camera: String
    var parameters: QueryParameters
}

/// The console's mutable state, shared by all connections.
public actor ConsoleState {
    let configuration: SimulatorConfiguration
    private(set) var catalog: CameraCatalog
    private(set) var eventStore: EventStore
    /// The websocket's update stream.
    let feed = LiveFeed()
    /// Live motion per camera id: when it last started and whether it is going on.
    private(set) var motion: [String: MotionState] = [:]
    private var sessions: [String: Session] = [:]
    private var accessKeys: [String: AccessKey] = [:]
    private var loginTimes: [Date] = []
    private(set) var faults: FaultSettings
    private(set) var stats = ConsoleStats()
    private var responsesSinceRotation = 0
    private var prepared: [String: PreparedExport] = [:]
    private var linkBusyUntil = ContinuousClock.now

    /// Live events decided and waiting to be played by the live service.
    nonisolated let scheduledEvents: AsyncStream<LiveEventPlan>
    private let scheduler: AsyncStream<LiveEventPlan>.Continuation
    private var eventRandom: SplitMix64
    /// Restart requests for the running server.
    let restarts = RestartSignal()
    /// The HTTP connections open now.
    nonisolated let connections = ConnectionRegistry()

    init(configuration: SimulatorConfiguration, catalog: CameraCatalog, events: EventStore) {
        self.configuration = configuration
        self.catalog = catalog
        self.eventStore = events
        self.faults = configuration.faults
        (scheduledEvents, scheduler) = AsyncStream.makeStream(of: LiveEventPlan.self)
        eventRandom = SplitMix64(seed: configuration.cameras.seed &* 7_919 &+ 13)
    }

    /// Decides a live event and hands it to the live service; nil when no camera fits the request.
    @discardableResult
    func startLiveEvent(_ request: LiveEventRequest) -> LiveEventPlan? {
        guard
            let plan = LiveEventPlan(
                request, cameras: catalog.cameras, longShare: configuration.live.longEventShare, random: &eventRandom)
        else { return nil }
        scheduler.yield(plan)
        return plan
    }

    /// Seconds until the next generated event: exponentially distributed around `3600 / perHour`.
    func nextEventInterval(perHour: Double) -> Double {
        let uniform = Double(eventRandom.next() % 1_000_000 + 1) / 1_000_001
        return -log(uniform) * 3600 / perHour
    }

    // MARK: Stats and faults

    public func currentStats() async -> ConsoleStats {
        var current = stats
        current.websocket = await feed.stats
        return current
    }
    public func resetStats() { stats = ConsoleStats() }
    public func currentFaults() -> FaultSettings { faults }
    /// Sets the faults; the actions among them (stall, drop, restart) are done now and not kept.
    public func setFaults(_ faults: FaultSettings) async {
        var kept = faults
        kept.stallWebsockets = false
        kept.dropWebsockets = false
        kept.restartSeconds = nil
        self.faults = kept
        if faults.stallWebsockets { await feed.stallAll() }
        if faults.dropWebsockets { await feed.dropAll() }
        if let seconds = faults.restartSeconds { await restarts.request(downSeconds: max(0, seconds)) }
    }

    /// Ends every session and access key now, as a console restart or password change does.
    public func expireAllSessions() {
        sessions.removeAll()
        accessKeys.removeAll()
    }

    func record(status: Int, endpoint: String) {
        stats.requestsByStatus[String(status), default: 0] += 1
        stats.requestsByEndpoint[endpoint, default: 0] += 1
    }

    func recordBytes(_ count: Int) { stats.bytesServed += Int64(count) }
    func recordEmptyExport() { stats.emptyExports += 1 }

    /// Takes one from the counter of a fault; true when the fault applies to this request.
    func takeFault(_ keyPath: WritableKeyPath<FaultSettings, Int>) -> Bool {
        guard faults[keyPath: keyPath] > 0 else { return false }
        faults[keyPath: keyPath] -= 1
        return true
    }

    /// The faults that apply to one export body, taken together.
    func takeExportFaults() -> (resetAfter: Int64?, stall: (after: Int64, seconds: Double)?, cutBeforeMoov: Bool) {
        var reset: Int64?
        if let bytes = faults.resetAfterBytes, takeFault(\.resetCount) { reset = bytes }
        var stall: (Int64, Double)?
        if faults.stallSeconds > 0, takeFault(\.stallCount) { stall = (faults.stallAfterBytes, faults.stallSeconds) }
        return (reset, stall, takeFault(\.cutBeforeMoovCount))
    }

    // MARK: Logins

    enum LoginOutcome {
        case success(Session)
        case invalidCredentials
        case needsSecondFactor
        case rateLimited(retryAfter: Int)
    }

    func login(username: String, password: String) -> LoginOutcome {
        let now = configuration.authentication.clock.date
        loginTimes = loginTimes.filter { now.timeIntervalSince($0) < 60 }
        loginTimes.append(now)
        let auth = configuration.authentication
        if takeFault(\.loginRateLimitCount) || loginTimes.count > auth.loginsPerMinute {
            stats.failedLogins += 1
            return .rateLimited(retryAfter: auth.loginRetryAfter)
        }
        if username == auth.mfaUsername {
            stats.failedLogins += 1
            return .needsSecondFactor
        }
        guard username == auth.username, password == auth.password else {
            stats.failedLogins += 1
            return .invalidCredentials
        }
        stats.logins += 1
        let expires = now.addingTimeInterval(auth.sessionLifetime)
        let token: String
        if configuration.mode == .unifiOS {
            token = JWT.make(userID: "5f1c9a2b3c4d5e6f7a8b9c0d", issuedAt: now, expires: expires, csrf: randomToken(16))
        } else {
            token = randomToken(32)
        }
        // The JWT says `expires`; a firmware that ends sessions early ends this one sooner.
        let ends =
            configuration.firmware == .earlySessionEnd
            ? min(expires, now.addingTimeInterval(auth.earlySessionEnd)) : expires
        let session = Session(token: token, expires: ends, csrfToken: UUID().uuidString.lowercased())
        sessions[token] = session
        return .success(session)
    }

    func logout(token: String) {
        sessions[token] = nil
    }

    enum SessionCheck {
        case valid(Session, rotatedCSRF: String?)
        case missing
        case expired
        case badCSRF
    }

    /// Checks a session token; for writes also its CSRF token. Counts the use and may rotate the CSRF token.
    func useSession(token: String?, csrf: String?, isWrite: Bool) -> SessionCheck {
        let now = configuration.authentication.clock.date
        guard let token, var session = sessions[token] else { return token == nil ? .missing : .expired }
        if session.expires <= now {
            sessions[token] = nil
            return .expired
        }
        if let maxUses = configuration.authentication.sessionMaxUses, session.uses >= maxUses {
            sessions[token] = nil
            return .expired
        }
        if isWrite && configuration.mode == .unifiOS {
            guard let csrf, csrf == session.csrfToken || csrf == session.previousCSRFToken else { return .badCSRF }
        }
        session.uses += 1
        var rotated: String?
        if configuration.mode == .unifiOS, let interval = configuration.authentication.csrfRotationInterval {
            responsesSinceRotation += 1
            if responsesSinceRotation >= interval {
                responsesSinceRotation = 0
                session.previousCSRFToken = session.csrfToken
                session.csrfToken = UUID().uuidString.lowercased()
                rotated = session.csrfToken
            }
        }
        sessions[token] = session
        return .valid(session, rotatedCSRF: rotated)
    }

    func issueAccessKey() -> String {
        let now = configuration.authentication.clock.date
        let key = "\(Int(now.timeIntervalSince1970 * 1000)):\(randomToken(12)):\(randomToken(48))"
        accessKeys[key] = AccessKey(expires: now.addingTimeInterval(configuration.authentication.accessKeyLifetime))
        stats.accessKeysIssued += 1
        return key
    }

    /// Checks and counts one use of a legacy access key.
    func useAccessKey(_ key: String) -> Bool {
        let now = configuration.authentication.clock.date
        guard var entry = accessKeys[key], entry.expires > now else {
            accessKeys[key] = nil
            return false
        }
        if let maxUses = configuration.authentication.accessKeyMaxUses, entry.uses >= maxUses {
            accessKeys[key] = nil
            return false
        }
        entry.uses += 1
        accessKeys[key] = entry
        return true
    }

    // MARK: Exports

    /// Reserves a place for an export; nil when the console is overloaded.
    func beginExport() -> Bool {
        let performance = configuration.performance
        if performance.enabled && stats.currentExports >= performance.maxConcurrentExports {
            stats.overloadRejections += 1
            return false
        }
        stats.exports += 1
        stats.currentExports += 1
        stats.peakConcurrentExports = max(stats.peakConcurrentExports, stats.currentExports)
        return true
    }

    func endExport(completed: Bool) {
        stats.currentExports -= 1
        if completed { stats.completedExports += 1 }
    }

    /// Exports in progress now (for the performance model).
    var exportsInProgress: Int { stats.currentExports }

    /// How long to wait after sending `bytes` so that all exports together stay under the global cap: the link is
    /// busy until a moment that each chunk moves on by its size at the cap of now (the console's slow-down with the
    /// exports in progress included); time the link stood idle is not made up later.
    func globalDelay(for bytes: Int) -> Double {
        guard configuration.performance.enabled, let cap = configuration.performance.totalBytesPerSecond else {
            return 0
        }
        let now = ContinuousClock.now
        let rate = cap * configuration.performance.speedFactor(exports: stats.currentExports)
        linkBusyUntil = max(linkBusyUntil, now) + .seconds(Double(bytes) / rate)
        return max(0, (linkBusyUntil - now).simulatorSeconds)
    }

    func prepare(camera: String, parameters: QueryParameters) -> String {
        let name = "export-\(randomToken(10)).mp4"
        prepared[name] = PreparedExport(camera: camera, parameters: parameters)
        return name
    }

    func preparedExport(named name: String) -> PreparedExport? { prepared[name] }

    // MARK: Events and motion

    func queryEvents(_ parameters: QueryParameters) -> [SimulatedEvent] { eventStore.query(parameters) }
    func event(id: String) -> SimulatedEvent? { eventStore.event(id: id) }

    func addEvent(_ event: SimulatedEvent) {
        eventStore.add(event)
        stats.eventsCreated += 1
        if event.end != nil { stats.eventsEnded += 1 }
    }

    /// Applies an update to a stored event; returns the event as it is now.
    @discardableResult
    func updateEvent(id: String, end: Int64? = nil, score: Int? = nil, smartDetectEvents: [String]? = nil)
        -> SimulatedEvent?
    {
        let wasOpen = eventStore.event(id: id)?.end == nil
        let updated = eventStore.update(id: id, end: end, score: score, smartDetectEvents: smartDetectEvents)
        if wasOpen, updated?.end != nil { stats.eventsEnded += 1 }
        return updated
    }

    func countSilentEnd() { stats.eventsEndedSilently += 1 }

    func setMotion(camera: String, detected: Bool, at moment: Int64) {
        var state = motion[camera] ?? MotionState(last: moment, detected: detected)
        if detected { state.last = moment }
        state.detected = detected
        motion[camera] = state
    }

    /// Renames a camera, as the console's own interface would.
    public func rename(camera id: String, to name: String) -> Bool { catalog.rename(id: id, to: name) }

    private func randomToken(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }
}

/// UniFi OS session tokens: unsigned-looking JWTs carrying `exp`, as consoles issue them.
enum JWT {
    static func make(userID: String, issuedAt: Date, expires: Date, csrf: String) -> String {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let payload =
            #"{"userId":"\#(userID)","passwordRevision":1,"isRemembered":true,"csrfToken":"\#(csrf)","#
            + #""iat":\#(Int(issuedAt.timeIntervalSince1970)),"exp":\#(Int(expires.timeIntervalSince1970))}"#
        let signature = (0..<32).map { _ in UInt8.random(in: 0...255) }
        return [Data(header.utf8), Data(payload.utf8), Data(signature)].map(base64URL).joined(separator: ".")
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
