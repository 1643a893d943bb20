import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import UnixSignals

/// A simulated UniFi Protect console: an HTTPS server that speaks the console's API from its own model.
public struct ConsoleSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    /// The console's state, for tests that assert on what a client did.
    public let state: ConsoleState
    /// The self-signed certificate, or nil when serving plain HTTP.
    public let identity: TLSIdentity?
    let timeline: RecordingTimeline
    let replay: WebSocketReplay?
    let logger: Logger

    /// Builds the console: cameras (generated or from `bootstrapFile`), events, and a new certificate.
    public init(configuration: SimulatorConfiguration, logger: Logger = Logger(label: "protect-sim")) throws {
        var configuration = configuration
        if configuration.firmware == .uosToken { configuration.authentication.cookieName = "UOS_TOKEN" }
        let now = configuration.clock.now()
        let catalog: CameraCatalog
        if let path = configuration.bootstrapFile {
            catalog = try CameraCatalog(
                capturedBootstrap: try Self.read(path, what: "bootstrap"), bitrate: configuration.cameras.bitrate)
        } else {
            catalog = CameraCatalog(generating: configuration, now: now)
        }
        let events: EventStore
        if let path = configuration.eventsFile {
            events = try EventStore(capturedEvents: try Self.read(path, what: "events"))
        } else {
            events = EventStore(generatingFor: catalog.cameras, seed: configuration.cameras.seed, now: now)
        }
        self.configuration = configuration
        self.state = ConsoleState(configuration: configuration, catalog: catalog, events: events)
        self.timeline = RecordingTimeline(configuration: configuration, timeZoneIdentifier: catalog.timeZone)
        self.identity = configuration.network.tls ? try TLSIdentity.generate() : nil
        self.replay = try configuration.live.replayFile.map { try WebSocketReplay(contentsOf: $0) }
        self.logger = logger
    }

    static func read(_ path: String, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError.invalidFile("The \(what) file \(path) could not be read.")
        }
        return data
    }

    /// Starts a live event now, as `POST /__sim/events` does; returns its REST id and the id the websocket carries.
    public func startEvent(_ request: LiveEventRequest) async -> (id: String, socketID: String)? {
        guard let plan = await state.startLiveEvent(request) else { return nil }
        return (plan.id, plan.socketID)
    }

    /// The cameras as the console knows them now.
    public func cameras() async -> [SimulatedCamera] { await state.catalog.cameras }

    /// The exact bytes the console serves for an export of this camera, channel and range (no faults).
    public func expectedExport(camera: SimulatedCamera, channel: Int = 0, start: Int64, end: Int64, now: Int64)
        -> ExportMovie?
    {
        let zone = timeline.timeZone
        guard let channelInfo = camera.channels.first(where: { $0.id == channel }) else { return nil }
        let intervals = timeline.recordedIntervals(of: camera, from: start, to: end + 1, now: now)
        let recorded = intervals.reduce(Int64(0)) { $0 + ($1.upperBound - $1.lowerBound) }
        guard recorded > 0 else { return nil }
        return ExportMovie(
            identity:
                "camera=\(camera.id) channel=\(channel) lens=\(channel == 3 ? 2 : 0) type=rotatingx1 start=\(start) end=\(end)",
            width: channelInfo.width, height: channelInfo.height, framesPerSecond: channelInfo.fps,
            bitsPerSecond: channelInfo.bitrate, durationMilliseconds: recorded,
            creationTime: intervals.first?.lowerBound ?? start,
            overlay: configuration.cameras.burnedInText
                ? VideoOverlay(cameraName: camera.name, start: intervals.first?.lowerBound ?? start, timeZone: zone)
                : nil)
    }

    /// Where a running console can be reached.
    public struct Endpoint: Sendable {
        public let host: String
        public let port: Int
        public let scheme: String
        public var baseURL: String { "\(scheme)://\(host):\(port)" }
    }

    func makeApplication(
        port: Int, listener: NIOLockedValueBox<(any Channel)?>? = nil, connections: ConnectionRegistry,
        onRunning: @escaping @Sendable (Endpoint) async -> Void
    ) throws
        -> some ApplicationProtocol
    {
        let routes = ConsoleRoutes(state: state, configuration: configuration, timeline: timeline, logger: logger)
        let socket = WebSocketEndpoint(state: state, configuration: configuration, replay: replay)
        let server: HTTPServerBuilder
        if let identity {
            let tls = try identity.serverConfiguration()
            server = HTTPServerBuilder { responder in
                let upgrade = HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: .init(ws: .init(autoPing: .disabled))
                ) { request, channel, _ in
                    await socket.shouldUpgrade(request, channel: channel)
                }
                return RegisteredChannel(base: try TLSChannel(upgrade, tlsConfiguration: tls), registry: connections)
            }
        } else {
            // Plain HTTP (for debugging) answers bytes that are not HTTP, such as a TLS hello, with 400 at once as
            // nginx does; the upgrade pipeline would wait for more. The websocket needs TLS mode.
            server = HTTPServerBuilder { responder in
                RegisteredChannel(base: HTTP1Channel(responder: responder), registry: connections)
            }
        }
        let host = configuration.network.host
        let scheme = identity == nil ? "http" : "https"
        var appLogger = logger
        appLogger.logLevel = min(logger.logLevel, .warning) == .warning ? .warning : logger.logLevel
        return Application(
            responder: routes.router().buildResponder(),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "nginx"),
            onServerRunning: { channel in
                listener?.withLockedValue { $0 = channel }
                await onRunning(Endpoint(host: host, port: channel.localAddress?.port ?? 0, scheme: scheme))
            },
            logger: appLogger
        )
    }

    /// The console's services: the HTTPS server (restarted on request) and the live events.
    func services(onRunning: @escaping @Sendable (Endpoint) async -> Void) -> [any Service] {
        [
            ServerService(simulator: self, onRunning: onRunning),
            LiveConsoleService(state: state, configuration: configuration),
        ]
    }

    /// Runs the console until the task is cancelled or, with `gracefulShutdownSignals`, a signal arrives.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [],
        onRunning: @escaping @Sendable (Endpoint) async -> Void
    ) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services(onRunning: onRunning), gracefulShutdownSignals: gracefulShutdownSignals,
                logger: logger))
        try await group.run()
    }

    /// Starts the console, runs `body` with its endpoint, then shuts the console down gracefully.
    public func withRunning<Result: Sendable>(
        _ body: @Sendable (Endpoint) async throws -> Result
    ) async throws -> Result {
        let (stream, continuation) = AsyncStream.makeStream(of: Endpoint.self)
        let group = ServiceGroup(
            configuration: .init(services: services { endpoint in continuation.yield(endpoint) }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = stream.makeAsyncIterator()
            guard let endpoint = await iterator.next() else {
                try await tasks.waitForAll()
                throw CancellationError()
            }
            do {
                let result = try await body(endpoint)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

/// Runs the HTTPS server; a restart request stops it (every socket dropped, the port refusing connections for the
/// requested seconds) and starts it again on the same port.
struct ServerService: Service {
    let simulator: ConsoleSimulator
    let onRunning: @Sendable (ConsoleSimulator.Endpoint) async -> Void

    func run() async throws {
        let port = NIOLockedValueBox(simulator.configuration.network.port)
        let announced = NIOLockedValueBox(false)
        let state = simulator.state
        while true {
            let listener = NIOLockedValueBox<(any Channel)?>(nil)
            let connections = ConnectionRegistry()
            let application = try simulator.makeApplication(
                port: port.withLockedValue { $0 }, listener: listener, connections: connections
            ) { endpoint in
                port.withLockedValue { $0 = endpoint.port }
                let first = announced.withLockedValue { value in
                    defer { value = true }
                    return !value
                }
                if first { await onRunning(endpoint) }
            }
            // Its own group, so that a restart can shut this server down gracefully (listener first) alone.
            let group = ServiceGroup(configuration: .init(services: [application], logger: simulator.logger))
            let downSeconds: Double? = try await withThrowingTaskGroup(of: Double?.self) { tasks in
                tasks.addTask {
                    // Sockets would hold the server's graceful shutdown open: they go first.
                    try await withGracefulShutdownHandler {
                        try await group.run()
                    } onGracefulShutdown: {
                        Task { await state.feed.dropAll() }
                    }
                    return nil
                }
                tasks.addTask { await state.restarts.next() }
                guard let first = try await tasks.next(), let seconds = first else {
                    tasks.cancelAll()
                    await state.feed.dropAll()
                    return nil
                }
                // A restart: the answer to the request that asked for it goes out, then the listener closes,
                // then every connection and socket drops (so a client that sees its socket drop finds the port
                // closed).
                try? await Task.sleep(for: .milliseconds(100))
                try? await listener.withLockedValue { $0 }?.close()
                await group.triggerGracefulShutdown()
                connections.closeAll()
                await state.feed.restart()
                while try await tasks.next() != nil {}
                return seconds
            }
            guard let downSeconds else { return }
            simulator.logger.info("protect-sim: restarting; connections refused for \(downSeconds) s")
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(downSeconds * 1000)))
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
        }
    }
}
