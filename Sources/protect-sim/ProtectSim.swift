import ArgumentParser
import Foundation
import Logging
import ProtectSimulator

/// `protect-sim`: runs a simulated UniFi Protect console until Ctrl-C or SIGTERM.
@main
struct ProtectSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect-sim",
        abstract: "Run a simulated UniFi Protect console (HTTPS, self-signed) for testing protect-dl and other clients."
    )

    @Option(help: "Console generation: legacy (CloudKey, Protect 1.x) or unifi-os.")
    var mode: SimulatorConfiguration.Mode = .unifiOS
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 0
    @Flag(help: "Serve plain HTTP instead of HTTPS (for debugging).")
    var plainHTTP = false
    @Option(help: "Username of the local account.")
    var username = "admin"
    @Option(help: "Password of the local account.")
    var password = "protect"
    @Option(help: "UniFi OS session cookie name: TOKEN or UOS_TOKEN.")
    var cookieName = "TOKEN"
    @Option(help: "Number of generated cameras.")
    var cameras = 4
    @Flag(help: "Give the generated cameras hostile names (slashes, .., quotes, emoji, leading spaces, very long).")
    var hostileNames = false
    @Option(help: "The console's IANA time zone.")
    var timeZone = "America/New_York"
    @Option(help: "Hours of recording history.")
    var historyHours = 48
    @Option(help: "Main-channel bitrate in bits per second.")
    var bitrate = 2_000_000
    @Option(help: "Frames per second of the generated channels.")
    var fps = 15
    @Flag(help: "Do not burn the camera's name and the time into the video (for tiny test files).")
    var noBurnedInText = false
    @Option(help: "The last N cameras record only on motion (no footage in quiet hours).")
    var motionOnly = 0
    @Option(help: "The last N cameras are disconnected.")
    var disconnected = 0
    @Option(parsing: .upToNextOption, help: "Hours of the day (console time) without footage on motion-only cameras.")
    var quietHours: [Int] = [1, 2, 3, 4]
    @Option(help: "Serve this captured bootstrap JSON instead of generated cameras.")
    var bootstrap: String?
    @Option(help: "Serve these captured events (a JSON array) instead of generated ones.")
    var events: String?
    @Option(help: "Seconds after an event ends before its thumbnail and heatmap exist (404 until then).")
    var eventImageDelay: Double = 0
    @Option(help: "Session lifetime in seconds.")
    var sessionLifetime: Double = 3600
    @Option(help: "Legacy bearer tokens expire after this many uses.")
    var sessionMaxUses: Int?
    @Option(help: "Legacy access keys expire after this many exports.")
    var accessKeyUses = 10
    @Option(help: "Legacy access keys expire after this many seconds.")
    var accessKeyLifetime: Double = 600
    @Option(help: "Logins accepted per minute before 429.")
    var loginsPerMinute = 30
    @Option(help: "What an expired session gets: unauthorized (401) or login-page (HTML with 200).")
    var expiredSession: SimulatorConfiguration.ExpiredSessionAnswer = .unauthorized
    @Option(
        help: """
            Firmware behaviours: standard; broken-export (one-step export fails, prepare + download works); \
            uos-token (the session cookie is UOS_TOKEN); early-session-end (sessions end long before their JWT's exp).
            """)
    var firmware: SimulatorConfiguration.Firmware = .standard
    @Flag(help: "Send Content-Length on exports instead of streaming chunked.")
    var contentLength = false
    @Flag(help: "Model a real console's speed: time to first byte, byte-rate caps, a limit on concurrent exports.")
    var performance = false
    @Option(help: "With --performance: concurrent exports beyond which the console answers 500.")
    var maxExports = 3
    @Option(help: "With --performance: bytes per second per export (0: no cap).")
    var streamRate: Double = 40_000_000
    @Option(help: "With --performance: bytes per second for all exports together (0: no cap).")
    var totalRate: Double = 80_000_000
    @Option(help: "With --performance: seconds before the first byte of any export.")
    var firstByteBase: Double = 0.2
    @Option(help: "With --performance: further seconds before the first byte per hour exported.")
    var firstBytePerHour: Double = 2
    @Option(help: "With --performance: past this many exports at once the console gets slower (not failing).")
    var bestConcurrency: Int?
    @Option(help: "With --best-concurrency: the share of the byte rate each export beyond it takes away.")
    var slowdownPerExport: Double = 0.15
    @Option(help: "With --performance: further seconds before the first byte per other export in progress.")
    var firstBytePerBusyExport: Double = 0
    @Option(help: "Live events per camera per hour while the console runs (0: none).")
    var eventRate: Double = 4
    @Option(help: "Share (0 to 1) of live events that last 10 to 60 minutes.")
    var longEvents: Double = 0
    @Option(help: "Seconds between the NVR's and cameras' regular websocket updates (0: none).")
    var heartbeat: Double = 10
    @Option(
        help: "Send this websocket capture (sample_ws_messages.json format) to each websocket client, byte for byte.")
    var replayWs: String?
    @Option(help: "With --replay-ws: replay this many times faster than captured.")
    var replaySpeed: Double = 1
    @Option(help: "Fault: answer the next N websocket upgrades with 401 and end their sessions.")
    var faultWsUnauthorized = 0
    @Option(help: "Fault: close the next N websockets at once for a stale lastUpdateId.")
    var faultWsStale = 0
    @Option(help: "Fault: the next N websockets go silent after the upgrade (nothing sent, pings unanswered).")
    var faultWsStall = 0
    @Option(help: "Fault: the next N live events never get their closing update on the websocket.")
    var faultUnendedEvents = 0
    @Option(
        help: "Fault: a damaged recording on this camera (id): exports holding --fault-damaged-at always end early.")
    var faultDamagedCamera: String?
    @Option(help: "With --fault-damaged-camera: the damaged instant, in milliseconds since 1970.")
    var faultDamagedAt: Int64?
    @Option(help: "With --fault-damaged-camera: the body bytes every such export ends after.")
    var faultDamagedBytes: Int64 = 65_536
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"
    @Option(
        help: ArgumentHelp(
            "Once listening, write a JSON object here (port, url, fingerprint, mode, username, cameras, pid).",
            discussion:
                "Written to a temporary file in the same directory, then renamed: it is complete when it appears.",
            valueName: "path"))
    var readyFile: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        guard eventRate >= 0, (0...1).contains(longEvents), heartbeat >= 0, replaySpeed > 0 else {
            throw ValidationError(
                "--event-rate and --heartbeat must not be negative, --long-events must be 0 to 1, --replay-speed above 0."
            )
        }
        guard ["TOKEN", "UOS_TOKEN"].contains(cookieName) else {
            throw ValidationError("--cookie-name must be TOKEN or UOS_TOKEN.")
        }
    }

    func run() async throws {
        var configuration = SimulatorConfiguration(mode: mode)
        configuration.network.host = host
        configuration.network.port = port
        configuration.network.tls = !plainHTTP
        configuration.authentication.username = username
        configuration.authentication.password = password
        configuration.authentication.cookieName = cookieName
        configuration.authentication.sessionLifetime = sessionLifetime
        configuration.authentication.sessionMaxUses = sessionMaxUses
        configuration.authentication.accessKeyMaxUses = accessKeyUses
        configuration.authentication.accessKeyLifetime = accessKeyLifetime
        configuration.authentication.loginsPerMinute = loginsPerMinute
        configuration.authentication.expiredSessionAnswer = expiredSession
        configuration.firmware = firmware
        configuration.live.eventRate = eventRate
        configuration.live.longEventShare = longEvents
        configuration.live.heartbeatSeconds = heartbeat
        configuration.live.replayFile = replayWs
        configuration.live.replaySpeed = replaySpeed
        configuration.faults.websocketUnauthorizedCount = faultWsUnauthorized
        configuration.faults.staleUpdateIDCount = faultWsStale
        configuration.faults.stalledWebsocketCount = faultWsStall
        configuration.faults.unendedEventCount = faultUnendedEvents
        configuration.faults.damagedCamera = faultDamagedCamera
        configuration.faults.damagedAt = faultDamagedAt
        configuration.faults.damagedAfterBytes = faultDamagedBytes
        configuration.cameras.count = cameras
        configuration.cameras.hostileNames = hostileNames
        configuration.cameras.timeZone = timeZone
        configuration.cameras.historyHours = historyHours
        configuration.cameras.bitrate = bitrate
        configuration.cameras.framesPerSecond = fps
        configuration.cameras.motionOnlyCount = motionOnly
        configuration.cameras.burnedInText = !noBurnedInText
        configuration.cameras.disconnectedCount = disconnected
        configuration.cameras.quietHours = Set(quietHours)
        configuration.bootstrapFile = bootstrap
        configuration.eventsFile = events
        configuration.eventImageDelay = eventImageDelay
        configuration.export.contentLength = contentLength
        configuration.performance.enabled = performance
        configuration.performance.maxConcurrentExports = maxExports
        configuration.performance.streamBytesPerSecond = streamRate > 0 ? streamRate : nil
        configuration.performance.totalBytesPerSecond = totalRate > 0 ? totalRate : nil
        configuration.performance.firstByteBase = firstByteBase
        configuration.performance.firstByteSecondsPerHour = firstBytePerHour
        configuration.performance.bestConcurrency = bestConcurrency
        configuration.performance.slowdownPerExtraExport = slowdownPerExport
        configuration.performance.firstByteSecondsPerBusyExport = firstBytePerBusyExport

        var logger = Logger(label: "protect-sim")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let simulator: ConsoleSimulator
        do {
            simulator = try ConsoleSimulator(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError(error.localizedDescription)
        }
        let cameraList = await simulator.cameras()
        try await simulator.run(gracefulShutdownSignals: [.sigterm, .sigint]) { endpoint in
            var lines = [
                "protect-sim: simulated UniFi Protect console",
                "  url:         \(endpoint.baseURL)",
                "  port:        \(endpoint.port)",
                "  mode:        \(mode.rawValue)",
                "  username:    \(username)",
                "  password:    \(password)",
            ]
            if let identity = simulator.identity {
                lines.append("  fingerprint: SHA256 \(identity.fingerprint)")
            }
            lines.append("  cameras:     \(cameraList.count)")
            for camera in cameraList {
                lines.append("    \(camera.id)  \(camera.name)")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            if let readyFile {
                let fingerprint = simulator.identity.map { "SHA256 \($0.fingerprint)" }
                writeReady(to: readyFile, endpoint: endpoint, fingerprint: fingerprint, cameras: cameraList)
            }
        }
    }

    /// Writes the `--ready-file` (temporary file, then rename); a console that cannot announce itself stops.
    private func writeReady(
        to path: String, endpoint: ConsoleSimulator.Endpoint, fingerprint: String?, cameras: [SimulatedCamera]
    ) {
        let object: [String: Any] = [
            "port": endpoint.port,
            "url": endpoint.baseURL,
            "fingerprint": fingerprint ?? NSNull(),
            "mode": mode.rawValue,
            "username": username,
            "cameras": cameras.map { ["id": $0.id, "name": $0.name] },
            "pid": Int(ProcessInfo.processInfo.processIdentifier),
        ]
        let temporary = "\(path).\(ProcessInfo.processInfo.processIdentifier).tmp"
        do {
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                throw ReadyFileError(reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            let reason = (error as? ReadyFileError)?.reason ?? error.localizedDescription
            FileHandle.standardError.write(Data("protect-sim: cannot write the ready file \(path): \(reason)\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// Why the ready file could not be put in place.
struct ReadyFileError: Error {
    let reason: String
}

extension SimulatorConfiguration.Mode: ExpressibleByArgument {}
extension SimulatorConfiguration.ExpiredSessionAnswer: ExpressibleByArgument {}
extension SimulatorConfiguration.Firmware: ExpressibleByArgument {}
