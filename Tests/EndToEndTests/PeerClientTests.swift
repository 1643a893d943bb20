import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// Real clients no one on this project wrote, run unmodified against protect-sim. `.ci/run` installs them into a
/// virtual environment (`.build-peers/venv`, or `PROTECT_DL_PEERS_VENV`); without it these tests fail and say so.
enum Peers {
    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static func venv() throws -> String {
        try installed(variable: "PROTECT_DL_PEERS_VENV", folder: "venv", program: "python")
    }

    /// unifi-protect-backup's own virtual environment (it pins an older uiprotect): `.build-peers/upb-venv`, or
    /// `PROTECT_DL_UPB_VENV`.
    static func backupVenv() throws -> String {
        try installed(variable: "PROTECT_DL_UPB_VENV", folder: "upb-venv", program: "unifi-protect-backup")
    }

    /// The virtual environment named by `variable`, or `.build-peers/<folder>`, when it holds `program`.
    static func installed(variable: String, folder: String, program: String) throws -> String {
        let path =
            ProcessInfo.processInfo.environment[variable]
            ?? repository.appendingPathComponent(".build-peers/\(folder)").path
        guard FileManager.default.isExecutableFile(atPath: path + "/bin/" + program) else {
            throw PeersMissing(path: path)
        }
        return path
    }

    /// The original downloader, beside the clone.
    static let originalDownloader = repository.deletingLastPathComponent()
        .appendingPathComponent("shared/peers/unifi-protect-video-downloader-v1.1.1.py").path

    /// Runs a program of the venv with extra environment; returns status and stdout followed by stderr.
    static func run(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120
    )
        async throws -> (status: Int32, output: String)
    {
        let result = try await runProcess(
            try venv() + "/bin/" + program, arguments, environment: environment.mapValues { Optional($0) },
            timeout: timeout)
        return (result.status, result.stdout + result.stderr)
    }
}

struct PeersMissing: Error, CustomStringConvertible {
    var path: String
    var description: String {
        "the peer clients are not installed at \(path): run bash .ci/run (or the README's peer setup line)"
    }
}

/// The peers run one at a time (each is a Python process that takes seconds of CPU to start), beside the other tests.
@Suite("Peer clients no one here wrote, one at a time", .serialized)
struct PeerSuites {}

extension PeerSuites {
    @Suite("Peer clients no one here wrote, against protect-sim", .serialized)
    struct PeerClientTests {
        @Test("The original downloader v1.1.1 downloads from --mode legacy the files protect-dl names the same")
        func originalDownloader() async throws {
            var configuration = Scenario.small(.legacy)
            configuration.cameras.count = 2
            try await Scenario.with(configuration, hours: 1) { s in
                let theirs = s.destination.appendingPathComponent("original")
                try FileManager.default.createDirectory(at: theirs, withIntermediateDirectories: true)
                let result = try await Peers.run(
                    "python",
                    [
                        Peers.originalDownloader, "--address=\(s.endpoint.host)", "--port=\(s.endpoint.port)",
                        "--username=admin", "--password=protect", "--cameras=all", "--start=\(s.startText)",
                        "--end=\(s.endText)", "--dest=\(theirs.path)", "--use-subfolders",
                    ])
                #expect(result.status == 0, "\(result.output)")
                #expect(
                    result.output.contains("2 files downloaded, 0 files skipped, 2 files total"), "\(result.output)")
                let ours = s.destination.appendingPathComponent("ours")
                try FileManager.default.createDirectory(at: ours, withIntermediateDirectories: true)
                let mine = try await Binary.run(
                    try s.arguments(["--use-subfolders"]).replacing(
                        { $0.hasPrefix("--dest=") }, with: "--dest=\(ours.path)"))
                #expect(mine.status == 0, "\(mine.stderr)")
                let theirFiles = try files(under: theirs)
                #expect(theirFiles.count == 2)
                #expect(theirFiles == (try files(under: ours)), "the same names")
                for file in theirFiles {
                    // The original asks up to HH:59:59.000, protect-dl up to the millisecond before the next hour.
                    let a = try #require(try MP4Check.duration(path: theirs.appendingPathComponent(file).path))
                    let b = try #require(try MP4Check.duration(path: ours.appendingPathComponent(file).path))
                    #expect(abs(a - 3599) < 1.5 && abs(b - 3600) < 1.5, "\(file): \(a) s and \(b) s")
                }
            }
        }

        @Test("uiprotect 25's CLI lists every simulated camera and saves a video ffprobe accepts")
        func uiprotect() async throws {
            try await Scenario.with(Scenario.small(.unifiOS)) { s in
                let environment = [
                    "UFP_USERNAME": "admin", "UFP_PASSWORD": "protect", "UFP_ADDRESS": s.endpoint.host,
                    "UFP_PORT": String(s.endpoint.port), "UFP_SSL_VERIFY": "False", "NO_COLOR": "1", "COLUMNS": "200",
                ]
                let listed = try await Peers.run("uiprotect", ["cameras", "list-ids"], environment: environment)
                #expect(listed.status == 0, "\(listed.output)")
                let cameras = await s.simulator.cameras()
                for camera in cameras {
                    #expect(listed.output.contains("\(camera.id)\t\(camera.name)"), "\(camera.name): \(listed.output)")
                }
                let camera = try #require(cameras.last)
                let out = s.destination.appendingPathComponent("uiprotect.mp4").path
                func local(_ milliseconds: Int64) -> String {
                    let f = TimeFormatting.fields(milliseconds, in: .fixed(seconds: 0))
                    return String(
                        format: "%04d-%02d-%02dT%02d:%02d:%02d", f.year, f.month, f.day, f.hour, f.minute, f.second)
                }
                let saved = try await Peers.run(
                    "uiprotect", ["cameras", camera.id, "save-video", out, local(s.start), local(s.start + 600_000)],
                    environment: environment.merging(["TZ": "UTC"]) { $1 })
                #expect(saved.status == 0, "\(saved.output)")
                let probe = try await Probe.of(out)
                #expect(probe.codec == "h264")
                #expect(abs((probe.duration ?? 0) - 600) < 3, "\(probe)")
            }
        }

        func files(under folder: URL) throws -> Set<String> {
            var found: Set<String> = []
            let walker = FileManager.default.enumerator(atPath: folder.path)
            while let item = walker?.nextObject() as? String {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder.path + "/" + item, isDirectory: &isFolder),
                    !isFolder.boolValue
                {
                    found.insert(item)
                }
            }
            return found
        }
    }

    /// The live console's websocket, decoded by clients no one here wrote.
    @Suite("Peer clients on protect-sim's websocket", .serialized)
    struct PeerWebSocketTests {
        static let scripts = Peers.repository.appendingPathComponent("Tests/EndToEndTests/Peers")

        static func live() -> SimulatorConfiguration {
            var configuration = Scenario.small(.unifiOS)
            configuration.live.heartbeatSeconds = 1
            return configuration
        }

        @Test("An independent decoder (Python's struct and zlib) reads every packet and each event's lifecycle")
        func independentDecoder() async throws {
            try await Scenario.with(Self.live()) { s in
                let result = try await Peers.run(
                    "python",
                    [
                        Self.scripts.appendingPathComponent("ws_listen.py").path, s.endpoint.host,
                        String(s.endpoint.port),
                        "admin", "protect", "60", "--until-ends", "3",
                        "--trigger", #"{"type":"motion","seconds":1,"suffixedID":true,"linkedSmartDetection":true}"#,
                        "--trigger",
                        #"{"type":"smartDetectLine","smartDetectTypes":["vehicle"],"seconds":0.5,"closedOnAdd":true}"#,
                    ], timeout: 120)
                #expect(result.status == 0, "\(result.output)")
                let lines = jsonLines(result.output)
                let triggered = lines.compactMap { $0["triggered"] as? [String: Any] }
                try #require(triggered.count == 2, "\(result.output)")
                let packets = lines.filter { $0["action"] != nil }
                func frames(_ packet: [String: Any]) -> ([String: Any], [String: Any]) {
                    (packet["action"] as? [String: Any] ?? [:], packet["data"] as? [String: Any] ?? [:])
                }
                let motionID = try #require(triggered[0]["socketId"] as? String)
                #expect(motionID.hasSuffix("-" + (triggered[0]["camera"] as? String ?? "?")))
                let motion = packets.map(frames).filter { $0.0["id"] as? String == motionID }
                #expect(motion.first?.0["action"] as? String == "add")
                #expect(motion.first?.1["end"] == nil)
                #expect(motion.contains { $0.0["action"] as? String == "update" && $0.1["smartDetectEvents"] != nil })
                #expect(motion.last?.0["action"] as? String == "update" && motion.last?.1["end"] is NSNumber)
                let closedID = try #require(triggered[1]["socketId"] as? String)
                let closed = packets.map(frames).filter { $0.0["id"] as? String == closedID }
                #expect(closed.count == 1)
                #expect(closed.first?.1["end"] is NSNumber)
                #expect(packets.contains { frames($0).0["modelKey"] as? String == "nvr" })
                let updateIDs = packets.compactMap { frames($0).0["newUpdateId"] as? String }
                #expect(updateIDs.count == packets.count && Set(updateIDs).count == updateIDs.count)
            }
        }

        @Test("uiprotect 25's ProtectApiClient.subscribe_websocket receives and merges the simulator's event packets")
        func uiprotectSubscription() async throws {
            try await Scenario.with(Self.live()) { s in
                let result = try await Peers.run(
                    "python",
                    [
                        Self.scripts.appendingPathComponent("uiprotect_subscribe.py").path, s.endpoint.host,
                        String(s.endpoint.port), "admin", "protect", "8",
                        "--trigger", #"{"type":"motion","seconds":1,"suffixedID":true,"linkedSmartDetection":false}"#,
                        "--trigger",
                        #"{"type":"smartDetectZone","smartDetectTypes":["person"],"seconds":0.5,"closedOnAdd":true}"#,
                    ], timeout: 90)
                #expect(result.status == 0, "\(result.output)")
                let lines = jsonLines(result.output)
                let triggered = lines.compactMap { $0["triggered"] as? [String: Any] }
                try #require(triggered.count == 2, "\(result.output)")
                let messages = lines.filter { $0["model"] as? String == "event" }
                let motionID = try #require(triggered[0]["socketId"] as? String)
                #expect(messages.contains { $0["id"] as? String == motionID && $0["action"] as? String == "add" })
                #expect(
                    messages.contains {
                        $0["id"] as? String == motionID && $0["action"] as? String == "update"
                            && ($0["changed"] as? [String] ?? []).contains("end") && $0["end"] is String
                    }, "\(result.output)")
                let closedID = try #require(triggered[1]["socketId"] as? String)
                #expect(messages.contains { $0["id"] as? String == closedID && $0["end"] is String })
                let first = lines.first { $0["bootstrap"] != nil }?["bootstrap"] as? String
                let last = lines.first { $0["last_update_id"] != nil }?["last_update_id"] as? String
                #expect(first != nil && last != nil && first != last, "uiprotect followed the newUpdateId chain")
            }
        }
    }

    @Suite("unifi-protect-backup against protect-sim's live events", .serialized)
    struct BackupPeerTests {
        @Test("unifi-protect-backup 0.14.3 saves, through rclone, a clip of each event that ends while it listens")
        func backsUpLiveEvents() async throws {
            let venv = try Peers.backupVenv()
            guard
                let rclone = ["/usr/bin/rclone", "/usr/local/bin/rclone"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
            else {
                Issue.record("rclone is not installed: run bash .ci/run (it installs Debian's rclone)")
                return
            }
            var configuration = Scenario.small(.unifiOS)
            configuration.live.heartbeatSeconds = 1
            try await Scenario.with(configuration) { s in
                let work = s.destination
                let config = work.appendingPathComponent("rclone.conf")
                try "[local]\ntype = local\n".write(to: config, atomically: true, encoding: .utf8)
                let clips = work.appendingPathComponent("clips")
                let log = work.appendingPathComponent("upb.log")
                #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
                let handle = try FileHandle(forWritingTo: log)
                let path =
                    (rclone as NSString).deletingLastPathComponent + ":"
                    + (ProcessInfo.processInfo.environment["PATH"] ?? "")
                let process = try spawn(
                    venv + "/bin/unifi-protect-backup",
                    [
                        "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                        "--password", "protect", "--no-verify-ssl", "--rclone-destination", "local:" + clips.path,
                        "--sqlite_path", work.appendingPathComponent("upb.sqlite").path, "--retention", "1d",
                        "--skip-missing", "--plain-logging", "-v",
                    ],
                    environment: ["AWS_CA_BUNDLE": nil, "RCLONE_CONFIG": config.path, "PATH": path], stdout: handle,
                    stderr: handle)
                defer {
                    // It does not always stop on SIGTERM; nothing of it may outlive the test.
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                    try? handle.close()
                }
                @Sendable func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
                // It is listening once its socket is open and it has marked the events it missed as done.
                try await eventually("unifi-protect-backup connects") {
                    await s.simulator.state.currentStats().websocket.open >= 1
                        && output().contains("Starting Downloader")
                }
                try await Task.sleep(for: .seconds(2))
                let cameras = await s.simulator.cameras()
                let doorbell = try #require(cameras.first { $0.type.contains("Doorbell") })
                let other = try #require(cameras.last)
                var started: [String] = []
                for request in [
                    LiveEventRequest(
                        camera: other.id, type: "motion", seconds: 2, suffixedID: true, linkedSmartDetection: false),
                    LiveEventRequest(camera: doorbell.id, type: "ring"),
                    LiveEventRequest(
                        camera: other.id, type: "smartDetectZone", smartDetectTypes: ["person"], seconds: 1.5,
                        closedOnAdd: false),
                ] {
                    started.append(try #require(await s.simulator.startEvent(request)).id)
                    try await Task.sleep(for: .milliseconds(1500))
                }
                @Sendable func saved() -> [String] {
                    (FileManager.default.enumerator(atPath: clips.path)?.allObjects as? [String] ?? []).filter {
                        $0.hasSuffix(".mp4")
                    }.sorted()
                }
                try await eventually("three clips are uploaded") { saved().count >= 3 }
                try await Task.sleep(for: .seconds(1))
                kill(process.processIdentifier, SIGKILL)
                let files = saved()
                #expect(files.count == 3, "\(files)")
                #expect(files.contains { $0.hasPrefix(other.name + "/") && $0.hasSuffix(" motion.mp4") }, "\(files)")
                #expect(files.contains { $0.hasPrefix(doorbell.name + "/") && $0.hasSuffix(" ring.mp4") }, "\(files)")
                #expect(files.contains { $0.hasSuffix("smartDetectZone (person).mp4") }, "\(files)")
                for file in files {
                    let probe = try await Probe.of(clips.appendingPathComponent(file).path)
                    #expect(probe.codec == "h264", "\(file)")
                    #expect((probe.duration ?? 0) > 0.5 && (probe.duration ?? 0) < 6, "\(file): \(probe)")
                }
                // The suffixed websocket id was normalised: the database holds the bare ids of all three.
                let text = output()
                for id in started { #expect(text.contains(id), "\(id) in the log") }
                let stats = await s.simulator.state.currentStats()
                #expect(stats.eventsEnded == 3)
                #expect(stats.requestsByEndpoint["export", default: 0] >= 3)
            }
        }
    }
}
