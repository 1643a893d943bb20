import Foundation
import Logging
import ProtectAPI
import Testing

@testable import ProtectArchive

@Suite("websocket-down: watch's websocket down longer than --alert-after, in moved time")
struct WebsocketDownTests {
    @Test("Down past its grace: one alert however many reconnects fail, one recovery when it is back")
    func downThenBack() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-socket-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = MovedWallClock()
        let state = try ArchiveState(destination: folder, clock: clock.clock)
        var settings = AlertSettings()
        settings.policy = AlertPolicy(grace: [.websocketDown: 600], remindEvery: nil)
        settings.tickEvery = 3600
        try await AlertCenter.withCenter(
            console: "home", settings: settings, state: state, logger: Logger(label: "test")
        ) { center in
            // A short drop (back within the grace) is never heard of.
            center.watchEvent(.disconnected(reason: "closed by the console", retryIn: 1))
            clock.advance(minutes: 3)
            center.tick()
            center.watchEvent(.connected(lastUpdateID: nil))
            center.watchEvent(.packet(UpdateAction(action: "update", modelKey: "nvr", id: "n", newUpdateID: "u2")))
            clock.advance(minutes: 20)
            center.tick()
            #expect(center.open.isEmpty)
            #expect(try state.alerts().isEmpty)
            // A long one: every failed reconnect says so again; the alert comes once the grace has passed.
            center.watchEvent(.disconnected(reason: "cannot connect to 127.0.0.1:7443", retryIn: 30))
            for _ in 0..<9 {
                clock.advance(minutes: 1)
                center.watchEvent(.disconnected(reason: "cannot connect to 127.0.0.1:7443", retryIn: 30))
                center.tick()
            }
            #expect(center.open.isEmpty)
            clock.advance(minutes: 2)
            center.tick()
            let raised = try #require(center.open.first)
            #expect(raised.key.kind == .websocketDown)
            #expect(raised.detail.contains("cannot connect to 127.0.0.1:7443"))
            for _ in 0..<30 {
                clock.advance(minutes: 10)
                center.watchEvent(.disconnected(reason: "cannot connect to 127.0.0.1:7443", retryIn: 30))
                center.tick()
            }
            #expect(center.open.map(\.raisedAt) == [raised.raisedAt])
            #expect(center.open.map(\.since) == [raised.since])
            // A socket that opens and stays silent is not up yet: its first packet is.
            center.watchEvent(.connected(lastUpdateID: "u1"))
            #expect(center.open.count == 1)
            center.watchEvent(.packet(UpdateAction(action: "update", modelKey: "nvr", id: "n", newUpdateID: "u2")))
            #expect(center.open.isEmpty)
        }
        #expect(try state.alerts().isEmpty)
    }
}
