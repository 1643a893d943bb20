import Foundation
import ProtectArchive
import TestSupport
import Testing

/// What a new user met running protect-dl for a long time, each fixed.
@Suite("What a new user met: one-off syncs over a periodic configuration, health during the first pass")
struct UserFixesEndToEndTests {
    @Test("--every 0, --every off and PROTECT_DL_EVERY= make one pass over a configuration with sync: {every: 1h}")
    func oneOffOverPeriodicConfiguration() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let file = try configFile(
                """
                defaults:
                  username: admin
                  sync: { every: 1h }
                consoles:
                  home:
                    address: \(s.endpoint.host)
                    port: \(s.endpoint.port)
                    dest: \(s.destination.path)
                """)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let base = ["sync", "--config", file.path, "--console", "home"] + s.nowArguments
            for (extra, every) in [(["--every", "0"], nil), (["--every", "off"], nil), ([], ""), ([], "0")]
                as [([String], String?)]
            {
                var environment: [String: String?] = ["PROTECT_DL_PASSWORD": "protect"]
                if let every { environment["PROTECT_DL_EVERY"] = every }
                let result = try await runProcess(
                    try Binary.path("protect-dl"), base + extra, environment: environment, timeout: 60)
                #expect(result.status == 0, "\(extra) \(String(describing: every)): \(result.stderr)")
                #expect(result.lastLine.contains("sync: "), "\(result.stdout)")
            }
            let wrong = try await Binary.run(base + ["--every", "soon"])
            #expect(wrong.status == 64 && wrong.stderr.contains("0 or off for one pass"), "\(wrong.stderr)")
        }
    }

    @Test("/healthz answers 200 'first pass running' during a long first back-fill")
    func healthDuringFirstPass() async throws {
        var configuration = Scenario.throttled(bytesPerSecond: 400_000)
        configuration.cameras.count = 1
        configuration.cameras.historyHours = 4
        try await Scenario.with(configuration, frozen: true) { s in
            let port = try freePort()
            let daemon = try Daemon(
                try Binary.path("protect-dl"),
                s.sync(["--every", "1h", "--metrics-address", "127.0.0.1:\(port)"]),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            let health = try await eventually("/healthz answering", timeout: .seconds(60)) {
                () async throws -> (status: Int, body: String)? in
                let answer = try await fetch("http://127.0.0.1:\(port)/healthz")
                return answer.status == 0 ? nil : answer
            }
            #expect(!daemon.stdout.contains("sync: "), "the first pass is still running")
            #expect(health.status == 200 && health.body == "ok\ndefault: first pass running\n", "\(health.body)")
            let stop = try await daemon.stop()
            #expect(stop.status == 0 || stop.status == 143, "\(daemon.stderr)")
        }
    }

    @Test("A camera the console reports disconnected is named by sync's line and by status (text and JSON)")
    func disconnectedCamera() async throws {
        var configuration = syncConsole(cameras: 2)
        configuration.cameras.disconnectedCount = 1
        try await Scenario.with(configuration, frozen: true) { s in
            let cameras = await s.simulator.cameras()
            let gone = try #require(cameras.last)
            let sync = try await Binary.run(s.sync())
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.lastLine.contains("1 camera disconnected (\(gone.name))"), "\(sync.stdout)")
            let text = try await Binary.run(["status", "--dest", s.destination.path])
            #expect(text.stdout.contains("disconnected (as the console said at the last pass): \(gone.name)"))
            let json = try await Binary.run(["status", "--dest", s.destination.path, "--json"])
            let picture = try JSONDecoder().decode(ArchiveStatus.self, from: Data(json.stdout.utf8))
            #expect(picture.disconnected == [gone.name] && picture.lastPass != nil)
        }
    }

    @Test("A metrics port in use is its own sentence and exit 64; a clean stop logs no HummingbirdCore error")
    func metricsPort() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            let port = try freePort()
            let holder = try Daemon(
                "/usr/bin/python3",
                [
                    "-c",
                    "import socket,sys,time; s=socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); "
                        + "print('ready', flush=True); time.sleep(120)",
                ])
            try await eventually("the port taken") { holder.stdout.contains("ready") }
            let taken = try await Binary.run(s.sync(["--every", "1h", "--metrics-address", "127.0.0.1:\(port)"]))
            #expect(taken.status == 64, "\(taken.stderr)")
            #expect(
                taken.stderr.contains("Cannot serve metrics on 127.0.0.1:\(port): another program already listens")
                    && !taken.stderr.contains("errno") && !taken.stderr.contains("internal error"), "\(taken.stderr)")
            _ = try await holder.stop(SIGKILL)

            let free = try freePort()
            let daemon = try Daemon(
                try Binary.path("protect-dl"), s.sync(["--every", "1h", "--metrics-address", "127.0.0.1:\(free)"]),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("a pass", timeout: .seconds(60)) { daemon.stdout.contains("sync: ") }
            _ = try await fetch("http://127.0.0.1:\(free)/metrics")
            let stop = try await daemon.stop()
            #expect(stop.status == 0, "\(daemon.stderr)")
            #expect(
                !daemon.stderr.contains("HummingbirdCore") && !daemon.stderr.contains(" error "), "\(daemon.stderr)")
        }
    }
}
