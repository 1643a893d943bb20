import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
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
    let logger: Logger

    /// Builds the console: cameras (generated or from `bootstrapFile`), events, and a new certificate.
    public init(configuration: SimulatorConfiguration, logger: Logger = Logger(label: "protect-sim")) throws {
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
        self.logger = logger
    }

    static func read(_ path: String, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError.invalidFile("The \(what) file \(path) could not be read.")
        }
        return data
    }

    /// The cameras as the console knows them now.
    public func cameras() async -> [SimulatedCamera] { await state.catalog.cameras }

    /// The exact bytes the console serves for an export of this camera, channel and range (no faults).
    public func expectedExport(camera: SimulatedCamera, channel: Int = 0, start: Int64, end: Int64, now: Int64)
        -> ExportMovie?
    {
        guard let channelInfo = camera.channels.first(where: { $0.id == channel }) else { return nil }
        let intervals = timeline.recordedIntervals(of: camera, from: start, to: end + 1, now: now)
        let recorded = intervals.reduce(Int64(0)) { $0 + ($1.upperBound - $1.lowerBound) }
        guard recorded > 0 else { return nil }
        return ExportMovie(
            identity:
                "camera=\(camera.id) channel=\(channel) lens=\(channel == 3 ? 2 : 0) type=rotatingx1 start=\(start) end=\(end)",
            width: channelInfo.width, height: channelInfo.height, framesPerSecond: channelInfo.fps,
            bitsPerSecond: channelInfo.bitrate, durationMilliseconds: recorded,
            creationTime: intervals.first?.lowerBound ?? start)
    }

    /// Where a running console can be reached.
    public struct Endpoint: Sendable {
        public let host: String
        public let port: Int
        public let scheme: String
        public var baseURL: String { "\(scheme)://\(host):\(port)" }
    }

    func makeApplication(onRunning: @escaping @Sendable (Endpoint) async -> Void) throws -> some ApplicationProtocol {
        let responder = ConsoleResponder(state: state, configuration: configuration, timeline: timeline, logger: logger)
        let server: HTTPServerBuilder
        if let identity {
            server = try .tls(.http1(), tlsConfiguration: identity.serverConfiguration())
        } else {
            server = .http1()
        }
        let host = configuration.network.host
        let scheme = identity == nil ? "http" : "https"
        var appLogger = logger
        appLogger.logLevel = min(logger.logLevel, .warning) == .warning ? .warning : logger.logLevel
        return Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(host, port: configuration.network.port), serverName: "nginx"),
            onServerRunning: { channel in
                await onRunning(Endpoint(host: host, port: channel.localAddress?.port ?? 0, scheme: scheme))
            },
            logger: appLogger
        )
    }

    /// Runs the console until the task is cancelled or, with `gracefulShutdownSignals`, a signal arrives.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [],
        onRunning: @escaping @Sendable (Endpoint) async -> Void
    ) async throws {
        let application = try makeApplication(onRunning: onRunning)
        let group = ServiceGroup(
            configuration: .init(
                services: [application], gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        try await group.run()
    }

    /// Starts the console, runs `body` with its endpoint, then shuts the console down gracefully.
    public func withRunning<Result: Sendable>(
        _ body: @Sendable (Endpoint) async throws -> Result
    ) async throws -> Result {
        let (stream, continuation) = AsyncStream.makeStream(of: Endpoint.self)
        let application = try makeApplication { endpoint in continuation.yield(endpoint) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
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
