import Foundation
import ProtectAPI
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// `protect-dl watch` against a live simulated console, through every websocket fault the simulator has.
@Suite("protect-dl watch: the realtime backup daemon", .serialized)
struct WatchEndToEndTests {
    static func console() -> SimulatorConfiguration {
        var configuration = Scenario.small(.unifiOS)
        // A packet a second keeps the silence watchdog honest; no random events, so the test knows them all.
        configuration.live.heartbeatSeconds = 1
        configuration.live.eventRate = 0
        return configuration
    }

    static func watchArguments(_ s: Scenario, since: Int64, extra: [String] = []) -> [String] {
        [
            "watch", "--address=\(s.endpoint.host)", "--port", String(s.endpoint.port), "--username=admin",
            "--dest=\(s.destination.path)", "--since", TimeFormatting.iso(since), "--settle", "2.5", "--json",
            "--thumbnails", "--reconnect-backoff", "0,0.5,1", "--ping-every", "1s", "--silence-timeout", "4s",
            "--backfill-every", "3s", "--retry-delay", "0.05", "--retry-after", "1s", "--heartbeat", "0",
            // Every packet and back-fill pass on stdout: what the test waits on instead of fixed sleeps.
            "--verbose",
        ] + extra
    }

    /// The daemon's JSON lines of kind `event` (e.g. `packet`, `backfill`, `saved`).
    static func lines(_ daemon: Daemon, _ event: String) -> [[String: Any]] {
        jsonLines(daemon.stdout).filter { $0["event"] as? String == event }
    }

    /// Waits until the daemon has received the websocket's `add` packet of the event `id`.
    static func waitHeard(_ id: String, _ what: String, daemon: Daemon) async throws {
        do {
            try await eventually("watch to receive the start of \(what)") {
                lines(daemon, "packet").contains {
                    $0["action"] as? String == "add" && ($0["id"] as? String)?.hasPrefix(id) == true
                }
            }
        } catch {
            Issue.record("watch stderr: \(daemon.stderr.suffix(3000))\nstdout: \(daemon.stdout.suffix(6000))")
            throw error
        }
    }

    /// The archive's event rows, read beside the running daemon.
    static func rows(_ s: Scenario) throws -> [String: EventRecord] {
        guard FileManager.default.fileExists(atPath: s.destination.appendingPathComponent(".protect-dl").path) else {
            return [:]
        }
        let state = try ArchiveState(destination: s.destination, create: false, exclusive: false)
        return Dictionary(try state.events().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The rows, read on a thread of its own: opening the database blocks, and the simulator of this test (and of
    /// the suites running beside it) shares the two threads of the concurrency pool.
    static func rowsOffPool(_ s: Scenario) async throws -> [String: EventRecord] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try Self.rows(s) }) }.start()
        }
    }

    /// Polls the rows (every 250 ms) until the events `ids` are saved; past the deadline fails with the daemon's output.
    static func waitSaved(_ s: Scenario, _ ids: [String], _ what: String, daemon: Daemon) async throws {
        do {
            try await eventually(what, every: .milliseconds(250)) {
                let rows = try await rowsOffPool(s)
                return ids.allSatisfy { rows[$0]?.status == .saved }
            }
        } catch {
            Issue.record("watch stderr: \(daemon.stderr.suffix(3000))\nstdout: \(daemon.stdout.suffix(3000))")
            throw error
        }
    }

    @Test(
        "Every event that ends during the run has exactly one byte-exact clip and thumbnail, through socket drops, a silent stall, a console restart, a session expiry, a stale lastUpdateId, events that arrive closed and events whose end never comes; SIGTERM exits 0; a restart downloads nothing again"
    )
    func faults() async throws {
        try await Scenario.with(Self.console()) { s in
            let cameras = await s.simulator.cameras()
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            let daemon = try Daemon(
                try Binary.path("protect-dl"), Self.watchArguments(s, since: since),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            do {
                try await eventually("the websocket to open", timeout: .seconds(30)) {
                    await s.simulator.state.currentStats().websocket.open >= 1
                }
            } catch {
                Issue.record("watch stderr: \(daemon.stderr.suffix(6000))\nstdout: \(daemon.stdout.suffix(3000))")
                throw error
            }
            var started: [String] = []
            var number = 0
            func event(
                _ type: String = "motion", seconds: Double = 0.4, closed: Bool = false, suffixed: Bool = false
            ) async throws -> String {
                number += 1
                let request = LiveEventRequest(
                    camera: cameras[number % cameras.count].id, type: type,
                    smartDetectTypes: type == "smartDetectZone" ? ["person"] : nil, seconds: seconds,
                    closedOnAdd: closed, suffixedID: suffixed, linkedSmartDetection: false)
                let id = try #require(await s.simulator.startEvent(request)).id
                started.append(id)
                return id
            }
            func fault(_ change: (inout FaultSettings) -> Void) async {
                var faults = FaultSettings()
                change(&faults)
                await s.simulator.state.setFaults(faults)
            }

            // A healthy socket, a ring, a smart detection announced closed, an id with the camera suffix.
            let healthy = [
                try await event(), try await event("ring"), try await event("smartDetectZone", closed: true),
                try await event(suffixed: true),
            ]
            try await Self.waitSaved(s, healthy, "the events of a healthy socket", daemon: daemon)

            // Every socket dropped (no close frame), with an event running across the drop.
            let acrossDrop = try await event(seconds: 1.5)
            try await Self.waitHeard(acrossDrop, "the event across the drop", daemon: daemon)
            await fault { $0.dropWebsockets = true }
            let afterDrop = try await event()
            try await Self.waitSaved(s, [acrossDrop, afterDrop], "events across a dropped socket", daemon: daemon)

            // A silent stall: pings go unanswered and nothing arrives; the event is seen only after a reconnect.
            let connections = await s.simulator.state.currentStats().websocket.connections
            await fault { $0.stallWebsockets = true }
            let duringStall = try await event()
            try await eventually("a new socket after the stall", timeout: .seconds(30)) {
                await s.simulator.state.currentStats().websocket.connections > connections
            }
            try await Self.waitSaved(s, [duringStall], "an event during a silent stall", daemon: daemon)

            // A console restart: connections refused for 2 s, a new lastUpdateId afterwards.
            let connectionsBeforeRestart = await s.simulator.state.currentStats().websocket.connections
            await fault { $0.restartSeconds = 2 }
            // The restart is under way once the socket is gone (or, on a slow machine, already back anew).
            try await eventually("the console's restart to drop the socket") {
                let socket = await s.simulator.state.currentStats().websocket
                return socket.open == 0 || socket.connections > connectionsBeforeRestart
            }
            let duringRestart = try await event()
            try await Self.waitSaved(s, [duringRestart], "an event during a console restart", daemon: daemon)

            // A session the console ends early: the next upgrade is refused (401) and a new login follows.
            await s.simulator.state.expireAllSessions()
            await fault {
                $0.websocketUnauthorizedCount = 1
                $0.dropWebsockets = true
            }
            let afterExpiry = try await event()
            try await Self.waitSaved(s, [afterExpiry], "an event after a session expiry", daemon: daemon)

            // A lastUpdateId the console will not resume from: a fresh bootstrap.
            await fault {
                $0.staleUpdateIDCount = 1
                $0.dropWebsockets = true
            }
            let afterStale = try await event()
            try await Self.waitSaved(s, [afterStale], "an event after a stale lastUpdateId", daemon: daemon)

            // An event whose end never comes on the socket: the back-fill finds it ended.
            await fault { $0.unendedEventCount = 1 }
            let unended = try await event()
            try await Self.waitSaved(s, [unended], "an event whose end never came", daemon: daemon)
            #expect(await s.simulator.state.currentStats().eventsEndedSilently == 1)

            // An event running while watch stops: the next run hears only its end (an update about an id it never
            // saw start, which it fetches) and saves it.
            let acrossRestart = try await event(seconds: 4)
            try await Self.waitHeard(acrossRestart, "the event across the restart of watch", daemon: daemon)
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "stderr: \(daemon.stderr.suffix(2000))")
            // It did not wait for the running event (that one is not saved, below); the bound is for a hang.
            #expect(stop.seconds < 15)
            let stats = await s.simulator.state.currentStats()
            #expect(stats.websocket.refused >= 1)
            #expect(stats.websocket.staleClosed >= 1)

            // Exactly the started events, each saved once, each in a clip that is what the console serves.
            let rows = try Self.rows(s)
            #expect(Set(rows.keys) == Set(started).subtracting([acrossRestart]))
            #expect(rows.values.allSatisfy { $0.status == .saved })
            let state = try ArchiveState(destination: s.destination, create: false, exclusive: false)
            let clips = try state.segments(status: .complete).filter { $0.stream == "event:0" }
            #expect(Set(clips.map(\.path)) == Set(rows.values.compactMap(\.path)))
            #expect(stats.completedExports == clips.count, "one export per clip: nothing downloaded twice")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for clip in clips {
                let camera = try #require(cameras.first { $0.id == clip.cameraID })
                let movie = try #require(
                    s.simulator.expectedExport(camera: camera, start: clip.start, end: clip.end - 1, now: now))
                var chunks = movie.chunks()
                var expected = Data()
                while let chunk = chunks.next() { expected.append(contentsOf: chunk.readableBytesView) }
                let data = try Data(contentsOf: s.destination.appendingPathComponent(clip.path))
                #expect(data == expected, "\(clip.path) is what the console serves")
                let thumbnail = String(clip.path.dropLast(4)) + ".thumbnail.jpg"
                let events = rows.values.filter { $0.path == clip.path }
                if events.count == 1 {
                    #expect(
                        FileManager.default.fileExists(atPath: s.destination.appendingPathComponent(thumbnail).path))
                }
            }
            #expect(!s.filesOnDisk().contains { $0.hasSuffix(".part") })
            // Each event is said saved once, with the clip that holds it. Lines and clips need not pair up: an event
            // heard after the clip covering it was saved (a busy machine makes that likelier) is saved into that
            // clip, with no new export, in a line of its own.
            let saved = jsonLines(daemon.stdout).filter { $0["event"] as? String == "saved" }
            let savedEvents = saved.flatMap { line in
                (line["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(savedEvents.sorted() == rows.keys.sorted(), "each event said saved once")
            #expect(Set(saved.compactMap { $0["path"] as? String }) == Set(clips.map(\.path)))

            // A second run back-fills the same window: it saves the event that was running, and nothing again.
            let again = try Daemon(
                try Binary.path("protect-dl"), Self.watchArguments(s, since: since),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await Self.waitSaved(s, [acrossRestart], "the event running across a restart of watch", daemon: again)
            // Time to download something again, had it wanted to: a whole back-fill pass begun after the save.
            let passes = Self.lines(again, "backfill").count
            try await eventually("two more back-fill passes of the second run") {
                Self.lines(again, "backfill").count >= passes + 2
            }
            let second = try await again.stop()
            #expect(second.status == 0)
            #expect(await s.simulator.state.currentStats().completedExports == stats.completedExports + 1)
            let savedAgain = jsonLines(again.stdout).filter { $0["event"] as? String == "saved" }
            #expect(savedAgain.count == 1)
            #expect(try Self.rows(s).count == started.count)

            // verify and manifest cover the event clips.
            let verify = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(verify.status == 0, "\(verify.stderr)")
            let manifest = try await Binary.run(["manifest", "--dest", s.destination.path])
            #expect(manifest.status == 0, "\(manifest.stderr)")
            let sums = try String(contentsOf: s.destination.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
            for clip in clips { #expect(sums.contains("  \(clip.path)\n")) }
        }
    }

    @Test(
        "watch --all-consoles: a live console's clips are saved while another is unreachable; /metrics counts them, /healthz names the dead one"
    )
    func allConsolesWithMetrics() async throws {
        try await Scenario.with(Self.console()) { s in
            let cameras = await s.simulator.cameras()
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            let other = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-dead-\(UUID())")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: other) }
            let file = try configFile(
                """
                defaults:
                  username: admin
                  watch:
                    thumbnails: true
                    settle: 2.5
                    ping-every: 1s
                    backfill-every: 3s
                    retry-delay: 0.05
                    since: \(TimeFormatting.iso(since))
                consoles:
                  live:
                    address: \(s.endpoint.host)
                    port: \(s.endpoint.port)
                    dest: \(s.destination.path)
                  dead:
                    address: 127.0.0.1
                    port: \(try freePort())
                    dest: \(other.path)
                """)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let port = try freePort()
            let daemon = try Daemon(
                try Binary.path("protect-dl"),
                ["watch", "--all-consoles", "--config", file.path, "--metrics-address", "127.0.0.1:\(port)"],
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("the live console's websocket to open", timeout: .seconds(30)) {
                await s.simulator.state.currentStats().websocket.open >= 1
            }
            let request = LiveEventRequest(
                camera: cameras[0].id, type: "motion", smartDetectTypes: nil, seconds: 0.4, closedOnAdd: false,
                suffixedID: false, linkedSmartDetection: false)
            let id = try #require(await s.simulator.startEvent(request)).id
            try await Self.waitSaved(s, [id], "the live console's clip", daemon: daemon)
            // The row is written just before the counter is raised: wait for the counter.
            let saved = "protect_dl_files_total{console=\"live\",kind=\"clip\",outcome=\"saved\"} 1"
            let metrics = try await eventually("the saved clip counted in /metrics") {
                let metrics = try await fetch("http://127.0.0.1:\(port)/metrics")
                return metrics.body.split(separator: "\n").contains { $0 == saved } ? metrics : nil
            }
            #expect(metrics.status == 200)
            let lines = metrics.body.split(separator: "\n").map(String.init)
            #expect(lines.contains(saved))
            #expect(lines.contains("protect_dl_websocket_connected{console=\"live\"} 1.0"), "\(metrics.body)")
            let health = try await fetch("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 503 && health.body.hasPrefix("dead: "), "\(health.body)")
            // The one-sentence connection message, never NIO's own text.
            #expect(health.body.contains("Connection refused by 127.0.0.1:"), "\(health.body)")
            #expect(!health.body.contains("ConnectionFailure") && !health.body.contains("errno"), "\(health.body)")
            #expect(!health.body.contains("live:"))
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "\(daemon.stderr)")
            #expect(daemon.stderr.contains("[dead]") && daemon.stderr.contains("starting again in 1 minute"))
            #expect(!daemon.stderr.contains("ConnectionFailure"), "\(daemon.stderr)")
            #expect(daemon.stdout.contains("[live]") || daemon.stdout.contains("\"console\":\"live\""))
        }
    }

    @Test("--hours keeps the hourly archive in the same process, as sync would: a later sync has nothing to add")
    func hours() async throws {
        try await Scenario.with(Self.console()) { s in
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            let daemon = try Daemon(
                try Binary.path("protect-dl"), Self.watchArguments(s, since: since, extra: ["--hours"]),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("the first pass of the hourly archive", timeout: .seconds(60)) {
                jsonLines(daemon.stdout).contains { $0["event"] as? String == "hours" }
            }
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "\(daemon.stderr.suffix(2000))")
            let state = try ArchiveState(destination: s.destination, create: false, exclusive: false)
            let hours = try state.segments(status: .complete).filter { $0.stream == "0" }
            // Three cameras with eight hours of history: at least six whole hours each are settled.
            #expect(hours.count >= 18, "\(hours.count) hours")
            for hour in hours {
                let size =
                    try FileManager.default.attributesOfItem(
                        atPath: s.destination.appendingPathComponent(hour.path).path)[.size] as? NSNumber
                #expect(size?.int64Value == hour.size, "\(hour.path)")
            }
            let sync = try await Binary.run([
                "sync", "--address=\(s.endpoint.host)", "--port", String(s.endpoint.port), "--username=admin",
                "--dest=\(s.destination.path)", "--dry-run",
            ])
            #expect(sync.status == 0, "\(sync.stderr)")
            // Only an hour that ended since the pass (the test running across an hour's settling) may be new.
            let wouldDownload = sync.stdout.split(separator: "\n").filter { $0.hasPrefix("would download") }
            #expect(wouldDownload.count <= 3, "\(sync.stdout)")
            #expect(sync.stdout.contains("sync: 0 downloaded"), "\(sync.stdout)")
            #expect(!sync.stdout.contains("would adopt"), "\(sync.stdout)")
        }
    }

    @Test(
        "A failing clip is tried again after --retry-after and given up after --max-attempts, with the reason recorded; a long event is saved in --max-length pieces"
    )
    func retriesAndPieces() async throws {
        try await Scenario.with(Self.console()) { s in
            let cameras = await s.simulator.cameras()
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            let daemon = try Daemon(
                try Binary.path("protect-dl"),
                Self.watchArguments(s, since: since, extra: ["--max-attempts", "2", "--max-length", "2s"]),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("the websocket to open", timeout: .seconds(30)) {
                await s.simulator.state.currentStats().websocket.open >= 1
            }
            // Every export fails (503) for as long as the test wants: two attempts, then given up.
            var faults = FaultSettings()
            faults.failStatus = 503
            faults.failCount = 1_000
            faults.failExportsOnly = true
            await s.simulator.state.setFaults(faults)
            let doomed = try #require(
                await s.simulator.startEvent(
                    LiveEventRequest(camera: cameras[0].id, type: "ring", linkedSmartDetection: false))
            ).id
            try await eventually("the event to be given up", every: .milliseconds(250)) {
                try await Self.rowsOffPool(s)[doomed]?.status == .abandoned
            }
            let row = try #require(try Self.rows(s)[doomed])
            #expect(row.attempts == 2)
            #expect(row.lastReason?.contains("503") == true, "\(row.lastReason ?? "no reason")")
            // The row is written before the second attempt's line is printed: wait for the line too.
            func failures() -> [[String: Any]] {
                jsonLines(daemon.stdout).filter { $0["event"] as? String == "failed" }
            }
            try await eventually("the two attempts' lines", every: .milliseconds(100)) { failures().count >= 2 }
            #expect(failures().count == 2)
            #expect(failures().last?["retryIn"] is NSNull)

            // With the console healthy again, a 5 s event with --max-length 2s is saved in three pieces.
            await s.simulator.state.setFaults(FaultSettings())
            let long = try #require(
                await s.simulator.startEvent(
                    LiveEventRequest(camera: cameras[1].id, type: "motion", seconds: 5, linkedSmartDetection: false))
            ).id
            try await Self.waitSaved(s, [long], "the long event", daemon: daemon)
            let stop = try await daemon.stop()
            #expect(stop.status == 0)
            let state = try ArchiveState(destination: s.destination, create: false, exclusive: false)
            let pieces = try state.segments(status: .complete).filter { $0.stream == "event:0" }
            #expect(pieces.count == 3, "\(pieces.map(\.path))")
            #expect(pieces.allSatisfy { $0.end - $0.start <= 2_000 })
            #expect(
                pieces.allSatisfy {
                    FileManager.default.fileExists(atPath: s.destination.appendingPathComponent($0.path).path)
                })
            #expect(Set(pieces.map(\.path)).count == 3)
            // Given up stays given up: the doomed event was not asked for again once the console was healthy.
            #expect(try Self.rows(s)[doomed]?.status == .abandoned)
        }
    }
}
