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
    @Option(help: "Firmware behaviours: standard, or broken-export (one-step export fails, prepare + download works).")
    var firmware: SimulatorConfiguration.Firmware = .standard
    @Flag(help: "Send Content-Length on exports instead of streaming chunked.")
    var contentLength = false
    @Flag(help: "Model a real console's speed: time to first byte, byte-rate caps, a limit on concurrent exports.")
    var performance = false
    @Option(help: "With --performance: concurrent exports beyond which the console answers 500.")
    var maxExports = 3
    @Option(help: "With --performance: bytes per second per export.")
    var streamRate: Double = 40_000_000
    @Option(help: "With --performance: bytes per second for all exports together.")
    var totalRate: Double = 80_000_000
    @Option(help: "With --performance: seconds before the first byte of any export.")
    var firstByteBase: Double = 0.2
    @Option(help: "With --performance: further seconds before the first byte per hour exported.")
    var firstBytePerHour: Double = 2
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
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
        configuration.cameras.count = cameras
        configuration.cameras.hostileNames = hostileNames
        configuration.cameras.timeZone = timeZone
        configuration.cameras.historyHours = historyHours
        configuration.cameras.bitrate = bitrate
        configuration.cameras.framesPerSecond = fps
        configuration.cameras.motionOnlyCount = motionOnly
        configuration.cameras.disconnectedCount = disconnected
        configuration.cameras.quietHours = Set(quietHours)
        configuration.bootstrapFile = bootstrap
        configuration.eventsFile = events
        configuration.eventImageDelay = eventImageDelay
        configuration.export.contentLength = contentLength
        configuration.performance.enabled = performance
        configuration.performance.maxConcurrentExports = maxExports
        configuration.performance.streamBytesPerSecond = streamRate
        configuration.performance.totalBytesPerSecond = totalRate
        configuration.performance.firstByteBase = firstByteBase
        configuration.performance.firstByteSecondsPerHour = firstBytePerHour

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
        }
    }
}

extension SimulatorConfiguration.Mode: ExpressibleByArgument {}
extension SimulatorConfiguration.ExpiredSessionAnswer: ExpressibleByArgument {}
extension SimulatorConfiguration.Firmware: ExpressibleByArgument {}
