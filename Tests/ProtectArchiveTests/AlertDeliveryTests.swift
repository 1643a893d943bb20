import Crypto
import Foundation
import Logging
import ProtectAPI
import Synchronization
import TestSupport
import Testing

@testable import ProtectArchive

/// A wall clock the test moves.
final class MovedWallClock: Sendable {
    private let milliseconds = Mutex<Int64>(1_800_000_000_000)
    var clock: WallClock { WallClock { [self] in milliseconds.withLock { $0 } } }
    func advance(minutes: Int64) { milliseconds.withLock { $0 += minutes * 60_000 } }
}

@Suite("Alerts delivered to real receivers on loopback, kept in the state across a restart")
struct AlertDeliveryTests {
    let logger = Logger(label: "test")

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-alerts-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func payload(_ received: AlertReceiver.Received) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: received.body) as? [String: Any])
    }

    @Test("A console outage across a restart: one signed alert, none repeated after the restart, one recovery")
    func restartKeepsOpenAlert() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = MovedWallClock()
        try await AlertReceiver.with { receiver in
            var settings = AlertSettings()
            settings.channels = [WebhookChannel(url: receiver.url + "/hook", secret: "s3cret")]
            settings.policy = AlertPolicy(grace: [.consoleUnreachable: 600], remindEvery: nil)
            settings.tickEvery = 3600
            let logger = self.logger
            func run(_ body: @Sendable (AlertCenter) -> Void) async throws {
                let state = try ArchiveState(destination: folder, clock: clock.clock)
                try await AlertCenter.withCenter(console: "home", settings: settings, state: state, logger: logger) {
                    body($0)
                }
            }
            try await run { center in
                center.observe(.consoleUnreachable, active: true, detail: "cannot connect to 127.0.0.1:7443")
                clock.advance(minutes: 5)
                center.tick()
                clock.advance(minutes: 6)
                center.tick()
                center.tick()
            }
            #expect(receiver.received.count == 1)
            // The process restarts while the console is still down: nothing is sent again.
            try await run { center in
                #expect(center.open.map(\.key.kind) == [.consoleUnreachable])
                center.observe(.consoleUnreachable, active: true, detail: "cannot connect to 127.0.0.1:7443")
                center.tick()
                clock.advance(minutes: 30)
                center.observe(.consoleUnreachable, active: false, detail: "")
                center.observe(.consoleUnreachable, active: false, detail: "")
            }
            let received = receiver.received
            #expect(received.count == 2)
            let bodies = try received.map(payload)
            #expect(bodies.map { $0["event"] as? String } == ["raised", "recovered"])
            #expect(bodies.allSatisfy { $0["schema"] as? String == "protect-dl.alert/1" })
            #expect(
                bodies.allSatisfy {
                    $0["kind"] as? String == "console-unreachable" && $0["console"] as? String == "home"
                })
            #expect(bodies[1]["duration_seconds"] as? Int == 41 * 60)
            for request in received {
                #expect(request.path == "/hook")
                #expect(request.headers["content-type"] == "application/json")
                let code = HMAC<SHA256>.authenticationCode(
                    for: request.body, using: SymmetricKey(data: Data("s3cret".utf8)))
                let expected = "sha256=" + code.map { String(format: "%02x", $0) }.joined()
                #expect(request.headers["x-protect-dl-signature"] == expected)
            }
            let state = try ArchiveState(destination: folder, clock: clock.clock)
            #expect(try state.alerts().isEmpty)
        }
    }

    @Test("A destination below its free-space threshold raises destination-low at the next tick")
    func destinationLow() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = try ArchiveState(destination: folder)
        var settings = AlertSettings()
        settings.freeSpaceFolder = folder
        settings.minimumFree = .bytes(Int64.max)
        settings.tickEvery = 3600
        try await AlertCenter.withCenter(console: "home", settings: settings, state: state, logger: logger) { center in
            center.tick()
            #expect(center.open.map(\.key.kind) == [.destinationLow])
            #expect(center.open.first?.detail.contains("free of") == true)
        }
    }

    @Test(
        "ntfy gets the message with its title, priority, tags and the URL's credentials; the command its variables and JSON"
    )
    func ntfyAndCommand() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await AlertReceiver.with { receiver in
            let stdin = folder.appendingPathComponent("stdin.json").path
            let variables = folder.appendingPathComponent("env.txt").path
            let record = AlertRecord(
                key: AlertKey(.cameraStale, console: "home", subject: "cam1"), since: 0,
                detail: "The newest footage of Porch ends 5 h ago.", label: "Porch")
            let payload = AlertPayload(AlertMessage(phase: .raised, record: record, at: 3_600_000))
            let dispatcher = AlertDispatcher(
                channels: [
                    NtfyChannel(url: "http://alice:pw@127.0.0.1:\(receiver.port)/protect"),
                    CommandChannel(
                        command: "cat > '\(stdin)'; printf '%s|%s|%s' \"$PROTECT_DL_ALERT_KIND\" "
                            + "\"$PROTECT_DL_ALERT_CAMERA\" \"$PROTECT_DL_ALERT_EVENT\" > '\(variables)'"),
                ], logger: logger)
            let results = await dispatcher.deliver(payload)
            #expect(results.allSatisfy { $0.failure == nil })
            let request = try #require(receiver.received.first)
            #expect(request.path == "/protect")
            #expect(request.headers["title"] == "[home] camera stale: Porch")
            #expect(request.headers["priority"] == "high")
            #expect(request.headers["tags"] == "warning,protect-dl")
            #expect(request.headers["authorization"] == "Basic " + Data("alice:pw".utf8).base64EncodedString())
            #expect(String(decoding: request.body, as: UTF8.self) == "The newest footage of Porch ends 5 h ago.")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stdin))) as? [String: Any])
            #expect(json["kind"] as? String == "camera-stale" && json["camera"] as? String == "Porch")
            #expect(try String(contentsOfFile: variables, encoding: .utf8) == "camera-stale|Porch|raised")
        }
    }

    @Test("A failing channel is retried with back-off and never throws; one that keeps failing is reported")
    func retries() async throws {
        try await AlertReceiver.with { receiver in
            let time = MovedTime()
            receiver.failNext(2)
            let results = Mutex<[Bool]>([])
            var dispatcher = AlertDispatcher(
                channels: [WebhookChannel(url: receiver.url + "/hook")], logger: logger,
                retry: RetryPolicy(retries: 3, delay: 10, time: time.source))
            dispatcher.onResult = { _, delivered in results.withLock { $0.append(delivered) } }
            let record = AlertRecord(key: AlertKey(.passFailing, console: "home"), since: 0, detail: "x")
            let payload = AlertPayload(AlertMessage(phase: .raised, record: record, at: 0))
            #expect(await dispatcher.deliver(payload).map(\.failure) == [nil])
            #expect(receiver.received.count == 3)
            #expect(time.sleeps == [10, 20])
            receiver.failNext(10)
            let failed = await dispatcher.deliver(payload)
            #expect(failed.first?.failure?.contains("HTTP 500") == true)
            #expect(results.withLock { $0 } == [true, false])
            #expect(receiver.received.count == 7)
        }
    }

    @Test("apprise (PyPI) delivers an alert to a loopback json:// receiver")
    func apprise() async throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let apprise = root.appendingPathComponent(".build-peers/notify-venv/bin/apprise").path
        try #require(FileManager.default.isExecutableFile(atPath: apprise), "bash .ci/run installs apprise")
        try await AlertReceiver.with { receiver in
            let record = AlertRecord(key: AlertKey(.websocketDown, console: "home"), since: 0, detail: "socket closed")
            let message = AlertPayload(AlertMessage(phase: .raised, record: record, at: 0))
            let channel = AppriseChannel(url: "json://127.0.0.1:\(receiver.port)/apprise", executable: apprise)
            #expect(channel.label == "apprise json://127.0.0.1:\(receiver.port)/***")
            try await channel.send(message)
            let request = try #require(receiver.received.first)
            #expect(request.path == "/apprise")
            let body = try payload(request)
            #expect(body["title"] as? String == "[home] websocket down")
            #expect(body["message"] as? String == "socket closed")
            let missing = AppriseChannel(url: "json://127.0.0.1:1/x", executable: "/nonexistent/apprise")
            await #expect(throws: AlertChannelError.self) { try await missing.send(message) }
        }
    }
}
