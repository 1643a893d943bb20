import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// Whether this machine lets a test mount a tmpfs (it needs root): tried once, on a folder of its own.
let tmpfsPermitted: Bool = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-mount-probe-\(UUID())")
    guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil,
        let mount = try? spawn("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder.path])
    else { return false }
    mount.waitUntilExit()
    let mounted = mount.terminationStatus == 0
    if mounted { (try? spawn("/bin/umount", [folder.path]))?.waitUntilExit() }
    try? FileManager.default.removeItem(at: folder)
    return mounted
}()

/// The conditions raised through protect-sim's faults, each heard by a real webhook receiver on loopback: one
/// alert and one recovery, and nothing again after a restart of protect-dl.
@Suite("Alerts through the console's faults: refused logins, a silent websocket, a full destination", .serialized)
struct AlertFaultEndToEndTests {
    /// How often the receiver got `event` (such as `login-refused raised`).
    func count(_ receiver: AlertReceiver, _ event: String) -> Int {
        receiver.events.filter { $0 == event }.count
    }

    @Test("sync --every: the console refusing logins is one login-refused alert and one recovery, none after a restart")
    func loginsRefused() async throws {
        var configuration = syncConsole(cameras: 1)
        // Refused logins are answered at once (Retry-After: 0), and the console's own limit is out of the way.
        configuration.authentication.loginRetryAfter = 0
        configuration.authentication.loginsPerMinute = 100_000
        try await Scenario.with(configuration, frozen: true) { s in
            try await AlertReceiver.with { receiver in
                let arguments = s.sync([
                    "--every", "1s", "--quiet", "--alert-after", "0", "--webhook", receiver.url + "/hook",
                ])
                var daemon = try Daemon(
                    try Binary.path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": "protect"])
                try await eventually("the first pass") {
                    daemon.stdout.contains("sync: ")
                }
                // From now on the console refuses every login (429), and the daemon's session is gone.
                var faults = FaultSettings()
                faults.loginRateLimitCount = 1_000_000
                await s.simulator.state.setFaults(faults)
                await s.simulator.state.expireAllSessions()
                try await eventually("the login-refused alert", timeout: .seconds(90)) {
                    count(receiver, "login-refused raised") == 1
                }
                let refused = await s.simulator.state.currentStats().failedLogins
                try await eventually("two more refused passes", timeout: .seconds(90)) {
                    await s.simulator.state.currentStats().failedLogins >= refused + 8
                }
                await s.simulator.state.setFaults(FaultSettings())
                try await eventually("the recovery", timeout: .seconds(90)) {
                    count(receiver, "login-refused recovered") == 1
                }
                #expect(try await daemon.stop().status == 0, "\(daemon.stderr)")
                // Started again: passes go by, and nothing is sent again.
                daemon = try Daemon(
                    try Binary.path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": "protect"])
                try await eventually("two passes after the restart") {
                    daemon.stdout.components(separatedBy: "sync: ").count >= 3
                }
                #expect(try await daemon.stop().status == 0, "\(daemon.stderr)")
                #expect(receiver.events == ["login-refused raised", "login-refused recovered"], "\(receiver.events)")
                let alert = try #require(receiver.received.first)
                let body = try #require(try JSONSerialization.jsonObject(with: alert.body) as? [String: Any])
                #expect((body["message"] as? String)?.contains("limits login") == true, "\(body)")
            }
        }
    }

    @Test("watch: a websocket that opens but stays silent is one websocket-down alert and one recovery")
    func silentWebsocket() async throws {
        try await Scenario.with(WatchEndToEndTests.console()) { s in
            try await AlertReceiver.with { receiver in
                let since = Int64(Date().timeIntervalSince1970 * 1000)
                let arguments = WatchEndToEndTests.watchArguments(
                    s, since: since,
                    extra: ["--alert-after", "3s", "--silence-timeout", "2s", "--webhook", receiver.url + "/hook"])
                var daemon = try Daemon(
                    try Binary.path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": "protect"])
                try await eventually("the websocket's first packets", timeout: .seconds(30)) {
                    WatchEndToEndTests.lines(daemon, "packet").count >= 2
                }
                // Every socket from now on goes silent right after the upgrade (pings unanswered), the open one too:
                // each reconnect opens, and nothing comes.
                var faults = FaultSettings()
                faults.stalledWebsocketCount = 1_000_000
                faults.stallWebsockets = true
                await s.simulator.state.setFaults(faults)
                try await eventually("the websocket-down alert", timeout: .seconds(60)) {
                    count(receiver, "websocket-down raised") == 1
                }
                let upgrades = await s.simulator.state.currentStats().websocket.connections
                try await eventually("two more silent sockets", timeout: .seconds(60)) {
                    await s.simulator.state.currentStats().websocket.connections >= upgrades + 2
                }
                #expect(count(receiver, "websocket-down recovered") == 0, "a silent socket is not a recovery")
                await s.simulator.state.setFaults(FaultSettings())
                try await eventually("the recovery", timeout: .seconds(60)) {
                    count(receiver, "websocket-down recovered") == 1
                }
                #expect(try await daemon.stop().status == 0, "\(daemon.stderr)")
                daemon = try Daemon(
                    try Binary.path("protect-dl"), arguments, environment: ["PROTECT_DL_PASSWORD": "protect"])
                try await eventually("packets after the restart", timeout: .seconds(30)) {
                    WatchEndToEndTests.lines(daemon, "packet").count >= 3
                }
                #expect(try await daemon.stop().status == 0, "\(daemon.stderr)")
                #expect(
                    receiver.events == ["websocket-down raised", "websocket-down recovered"], "\(receiver.events)")
            }
        }
    }

    @Test(
        "sync into a full tmpfs: one sentence and exit 12, destination-low raised once, no partial file at a final name",
        .enabled(if: tmpfsPermitted, "mounting a tmpfs needs root; this machine does not permit it"))
    func fullDestination() async throws {
        try await Scenario.with(syncConsole(cameras: 2), frozen: true) { s in
            let archive = s.destination.appendingPathComponent("small").path
            try await mountFolder(archive, "-t tmpfs -o size=6m tmpfs")
            defer { unmount(archive) }
            try await AlertReceiver.with { receiver in
                let sync =
                    ["sync", "--dest", archive] + connection(s) + s.nowArguments + [
                        "--parallel", "1", "--webhook", receiver.url + "/hook",
                    ]
                let full = try await Binary.run(sync)
                #expect(full.status == 12, "\(full.stdout)\(full.stderr)")
                // Beside the failed file's own line, the run ends with one sentence naming the full disk.
                let sentences = errorLines(full.stderr).filter { $0.hasPrefix("protect-dl:") }
                #expect(sentences.count == 1, "one sentence: \(full.stderr)")
                #expect(sentences.first?.contains("is full") == true, "\(full.stderr)")
                #expect(sentences.first?.contains(archive) == true, "it names the destination: \(full.stderr)")
                #expect(receiver.events == ["destination-low raised"], "\(receiver.events)")
                // Nothing partial at a final name: every .mp4 is whole, and verify agrees with the state.
                let walker = FileManager.default.enumerator(atPath: archive)
                while let item = walker?.nextObject() as? String {
                    #expect(!item.hasSuffix(".part"), "\(item)")
                    if item.hasSuffix(".mp4") { try MP4Check.validate(path: archive + "/" + item) }
                }
                let verify = try await Binary.run(["verify", "--dest", archive])
                #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
                // Still full: nothing sent again.
                let again = try await Binary.run(sync)
                #expect(again.status == 12, "\(again.stderr)")
                #expect(receiver.events == ["destination-low raised"], "\(receiver.events)")
                // The disk grown: the archive completes, and the condition recovers once.
                let grown = try await shell("mount -o remount,size=128m \(quoted(archive))")
                try #require(grown.status == 0, "\(grown.output)")
                let fine = try await Binary.run(sync)
                #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")
                #expect(
                    receiver.events == ["destination-low raised", "destination-low recovered"], "\(receiver.events)")
                let last = try await Binary.run(sync)
                #expect(last.status == 0, "\(last.stderr)")
                #expect(receiver.events.count == 2, "\(receiver.events)")
            }
        }
    }
}
