import Foundation
import Logging
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

enum Binary {
    /// The built `protect-dl`, beside the test bundle.
    static func path(_ name: String) throws -> String {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        candidates.append(root.appendingPathComponent(".build/debug"))
        for directory in candidates {
            for candidate in [directory, directory.deletingLastPathComponent()] {
                let path = candidate.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }

    /// Runs `protect-dl` with `arguments`; the password comes through the environment.
    static func run(
        _ arguments: [String], password: String? = "protect", timeout: Double = 120,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> RunResult {
        try await runProcess(
            try path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": password], timeout: timeout,
            sourceLocation: sourceLocation)
    }
}

/// A simulated console for one test, with helpers to build command lines and expected files.
struct Scenario: Sendable {
    let simulator: ConsoleSimulator
    let endpoint: ConsoleSimulator.Endpoint
    let destination: URL
    /// Two full hours ending an hour ago, written with a +0200 offset.
    let startText: String
    let endText: String
    let start: Int64
    let end: Int64
    /// The moment the simulator's clock is frozen at, when it is (commands then get the same `--now`).
    var frozen: Int64? = nil

    /// Three cameras of 160x90 at 1 fps and 8 kbit/s, eight hours of history. 8 kbit/s of 160x90 cannot carry
    /// burned-in text (it alone takes more); the overlay has its own tests.
    static func small(_ mode: SimulatorConfiguration.Mode) -> SimulatorConfiguration {
        .small(mode, cameras: 3, bitrate: 8_000, framesPerSecond: 1, historyHours: 8, burnedInText: false)
    }

    /// A small UniFi OS console whose exports flow at `bytesPerSecond`, so that a test can act mid-body.
    static func throttled(bytesPerSecond: Double) -> SimulatorConfiguration {
        var configuration = small(.unifiOS)
        configuration.performance.enabled = true
        configuration.performance.firstByteBase = 0
        configuration.performance.firstByteSecondsPerHour = 0
        configuration.performance.streamBytesPerSecond = bytesPerSecond
        configuration.performance.maxConcurrentExports = 10
        return configuration
    }

    static func with<T: Sendable>(
        _ configuration: SimulatorConfiguration, hours: Int64 = 2, frozen: Bool = false,
        _ body: @Sendable (Scenario) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
        // A frozen console stands at half past an hour (the last one gone by), so that the hours a test sees never
        // depend on the minute it runs: at hh:03 the last settled hour would otherwise be one fewer than at hh:30.
        let now = frozen ? wallClock / 3_600_000 * 3_600_000 - 1_800_000 : wallClock
        if frozen { configuration.clock = .fixed(now) }
        var logger = Logger(label: "e2e-sim")
        logger.logLevel = .critical
        let simulator = try ConsoleSimulator(configuration: configuration, logger: logger)
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: destination) }
        let end = (now / 3_600_000 - 1) * 3_600_000
        let start = end - hours * 3_600_000
        let zone = DisplayZone.fixed(seconds: 7200)
        func text(_ ms: Int64) -> String {
            let f = TimeFormatting.fields(ms, in: zone)
            return String(
                format: "%04d-%02d-%02d %02d:%02d:%02d+0200", f.year, f.month, f.day, f.hour, f.minute, f.second)
        }
        let startText = text(start)
        let endText = text(end)
        return try await simulator.withRunning { endpoint in
            try await body(
                Scenario(
                    simulator: simulator, endpoint: endpoint, destination: destination, startText: startText,
                    endText: endText, start: start, end: end, frozen: frozen ? now : nil))
        }
    }

    /// The original command line against this console, plus `extra`.
    func arguments(_ extra: [String] = [], cameras: String = "all", subcommand: Bool = false) -> [String] {
        (subcommand ? ["download"] : [])
            + [
                "--address=\(endpoint.host)", "--port", String(endpoint.port), "--username=admin",
                "--cameras=\(cameras)", "--start=\(startText)", "--end", endText, "--dest=\(destination.path)",
                "--retry-delay", "0.05",
            ] + extra
    }

    /// The names the original downloader gives, for every camera and hour, with or without subfolders.
    func expectedFiles(cameras: [SimulatedCamera], subfolders: Bool, suffix: String = "")
        -> [String: (SimulatedCamera, Segment)]
    {
        let zone = DisplayZone.fixed(seconds: 7200)
        var files: [String: (SimulatedCamera, Segment)] = [:]
        for camera in cameras {
            for segment in SegmentPlanner.segments(from: start, to: end, in: zone) {
                let path = FileNaming.relativePath(
                    cameraName: camera.name, cameraID: camera.id, segment: segment, zone: zone,
                    useSubfolders: subfolders)
                files[String(path.dropLast(4)) + suffix + ".mp4"] = (camera, segment)
            }
        }
        return files
    }

    /// Every regular file under the destination, relative.
    func filesOnDisk() -> Set<String> {
        let base = destination.resolvingSymlinksInPath().path
        var found: Set<String> = []
        if let walker = FileManager.default.enumerator(atPath: base) {
            while let item = walker.nextObject() as? String {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: base + "/" + item, isDirectory: &isFolder),
                    !isFolder.boolValue
                {
                    found.insert(item)
                }
            }
        }
        return found
    }

    /// Checks that the file holds exactly what the console serves for that camera and hour.
    func matchesConsole(_ relative: String, camera: SimulatedCamera, segment: Segment, channel: Int = 0) throws -> Bool
    {
        let now = frozen ?? Int64(Date().timeIntervalSince1970 * 1000)
        guard
            let movie = simulator.expectedExport(
                camera: camera, channel: channel, start: segment.start, end: segment.requestEnd, now: now)
        else { return false }
        var chunks = movie.chunks()
        var expected = Data()
        while let chunk = chunks.next() { expected.append(contentsOf: chunk.readableBytesView) }
        return try Data(contentsOf: destination.appendingPathComponent(relative)) == expected
    }
}

/// The objects of a `--json` run, one per line.
func jsonLines(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap { line in
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }
}

/// The lines of stderr other than notes (such as the notice that the certificate is not checked).
func errorLines(_ stderr: String) -> [Substring] {
    stderr.split(separator: "\n").filter { !$0.hasPrefix("protect-dl: note:") }
}

extension Array where Element == String {
    /// A copy with the first argument that `matches` replaced by `value`; a test fails, not crashes, when none does.
    func replacing(
        _ matches: (String) -> Bool, with value: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String] {
        var copy = self
        let found = copy.firstIndex(where: matches)
        let index = try #require(found, sourceLocation: sourceLocation)
        copy[index] = value
        return copy
    }

    /// A copy with the value after the option `name` replaced.
    func replacingValue(
        of name: String, with value: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String] {
        var copy = self
        let found = copy.firstIndex(of: name)
        let index = try #require(found, sourceLocation: sourceLocation)
        try #require(index + 1 < copy.count, sourceLocation: sourceLocation)
        copy[index + 1] = value
        return copy
    }
}
