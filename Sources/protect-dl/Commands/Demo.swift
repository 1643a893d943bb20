import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive
import ProtectSimulator

/// `protect-dl demo`: a simulated console in-process, and a real download from it over HTTPS.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try protect-dl without a console: download the last hours of a simulated one."
    )

    @Option(help: "Folder for the demo's files (created if missing).")
    var dest = "demo-footage"
    @Option(help: "Number of simulated cameras.")
    var cameras = 3
    @Option(help: "Hours to download, ending at the last full hour.")
    var hours = 2
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"

    func validate() throws {
        guard (1...12).contains(cameras), (1...24).contains(hours) else {
            throw ValidationError("--cameras must be 1 to 12 and --hours 1 to 24.")
        }
    }

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        var configuration = SimulatorConfiguration(mode: .unifiOS)
        configuration.cameras.count = cameras
        configuration.cameras.bitrate = 64_000
        configuration.cameras.width = 640
        configuration.cameras.height = 360
        configuration.cameras.framesPerSecond = 10
        configuration.cameras.historyHours = hours + 2
        configuration.authentication.password = UUID().uuidString
        let destination = URL(fileURLWithPath: dest)
        let credentials = Credentials(
            username: configuration.authentication.username, password: configuration.authentication.password)
        do {
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            let simulator = try ConsoleSimulator(configuration: configuration, logger: logger)
            let fingerprint = simulator.identity?.fingerprint ?? ""
            let summary = try await simulator.withRunning { endpoint in
                say("Started a simulated UniFi OS console at \(endpoint.baseURL) with \(cameras) cameras.")
                say("Its certificate is pinned by SHA-256 \(fingerprint).")
                var console = ConsoleConfiguration(host: endpoint.host, port: endpoint.port)
                console.certificateCheck = .pinned(sha256: fingerprint)
                let client = try await ProtectClient.connect(
                    configuration: console,
                    credentials: credentials,
                    logger: logger)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let end = now / 3_600_000 * 3_600_000
                let start = end - Int64(hours) * 3_600_000
                var options = DownloadOptions(
                    startText: Self.utc(start), endText: Self.utc(end), destination: destination)
                options.useSubfolders = true
                options.engine.skipExistingFiles = true
                options.engine.parallel = 2
                say("Downloading \(Self.utc(start)) to \(Self.utc(end)) into \(destination.path)/ ...")
                do {
                    let summary = try await DownloadJob(options: options, logger: logger).run(
                        client: client, onEvent: Reporter(json: false, quiet: false).handle)
                    let events = try await client.events(
                        EventQuery(start: start, end: end, types: ["motion", "smartDetectZone", "ring"]))
                    say(Self.eventLine(events))
                    await client.shutdown()
                    return summary
                } catch {
                    await client.shutdown()
                    throw error
                }
            }
            print(summary.line)
            say("Each file is a one-hour MP4 named as the original downloader names it; try: ffprobe <file>.")
            say("Next: run `swift run protect-sim` and point protect-dl (or curl) at it; see the README.")
        } catch {
            throw fail(error)
        }
    }

    /// "The console saw 7 events in those hours: 4 motion, 2 person, 1 ring."
    static func eventLine(_ events: [Event]) -> String {
        var counts: [String: Int] = [:]
        for event in events {
            let kind = event.smartDetectTypes.first ?? event.type
            counts[kind, default: 0] += 1
        }
        let parts = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) \($0.key)" }
        return "The console saw \(events.count) events in those hours"
            + (parts.isEmpty ? "." : ": " + parts.joined(separator: ", ") + ".")
            + " Try `protect-dl events` to save their clips."
    }

    func say(_ line: String) {
        Console.write(line, to: .standardOutput)
    }

    static func utc(_ milliseconds: Int64) -> String {
        let f = TimeFormatting.fields(milliseconds, in: .fixed(seconds: 0))
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d+0000", f.year, f.month, f.day, f.hour, f.minute, f.second)
    }
}
