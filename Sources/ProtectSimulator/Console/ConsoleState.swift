import Foundation

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
    var catalog: CameraCatalog
    var eventStore: EventStore
    /// The websocket's update stream.
    let feed = LiveFeed()
    /// Live motion per camera id: when it last started and whether it is going on.
    var motion: [String: MotionState] = [:]
    var sessions: [String: Session] = [:]
    var accessKeys: [String: AccessKey] = [:]
    var loginTimes: [Date] = []
    var faults: FaultSettings
    var stats = ConsoleStats()
    var responsesSinceRotation = 0
    var prepared: [String: PreparedExport] = [:]
    var linkBusyUntil = ContinuousClock.now

    /// Live events decided and waiting to be played by the live service.
    nonisolated let scheduledEvents: AsyncStream<LiveEventPlan>
    private let scheduler: AsyncStream<LiveEventPlan>.Continuation
    var eventRandom: SplitMix64
    /// Restart requests for the running server.
    let restarts = RestartSignal()

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

    enum LoginOutcome {
        case success(Session)
        case invalidCredentials
        case needsSecondFactor
        case rateLimited(retryAfter: Int)
    }

    enum SessionCheck {
        case valid(Session, rotatedCSRF: String?)
        case missing
        case expired
        case badCSRF
    }

    /// Exports in progress now (for the performance model).
    var exportsInProgress: Int { stats.currentExports }

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
