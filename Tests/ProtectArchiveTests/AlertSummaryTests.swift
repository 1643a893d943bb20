import Foundation
import Logging
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("--summary: a daily or weekly summary through the alert channels, its schedule kept in the state")
struct AlertSummaryTests {
    let hour: Int64 = 3_600_000

    /// The summaries a receiver got, as JSON objects.
    func summaries(_ receiver: AlertReceiver) -> [[String: Any]] {
        receiver.received.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
            .filter { $0["event"] as? String == "summary" }
    }

    @Test("Daily, in moved time: none before the first midnight, one after it, none twice across restarts")
    func daily() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-summary-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 2027-01-15 08:00 UTC.
        let clock = MovedWallClock()
        let midnight: Int64 = 1_800_000_000_000 - 8 * hour
        try await AlertReceiver.with { receiver in
            var settings = AlertSettings()
            settings.channels = [WebhookChannel(url: receiver.url + "/hook", secret: nil)]
            settings.policy = AlertPolicy(grace: [:], remindEvery: nil)
            settings.tickEvery = 3600
            settings.summary = .daily
            let hour = self.hour
            /// One run of protect-dl: the state opened, a center, `body`, and everything sent before it ends.
            func run(_ body: @Sendable (AlertCenter, ArchiveState) throws -> Void) async throws {
                let state = try ArchiveState(destination: folder, clock: clock.clock)
                try await AlertCenter.withCenter(
                    console: "home", settings: settings, state: state, logger: Logger(label: "test")
                ) { try body($0, state) }
            }
            try await run { center, state in
                try state.recordCameras([(id: "cam1", name: "Garage"), (id: "cam2", name: "Door")])
                for index in 0..<8 {
                    let start = midnight + Int64(index) * hour
                    try state.recordComplete(
                        cameraID: "cam1", stream: "0", start: start, end: start + hour, path: "g\(index).mp4",
                        size: 1000, sha256: "00", adopted: false)
                    try state.recordOutcome(
                        cameraID: "cam2", stream: "0", start: start, end: start + hour, path: "d\(index).mp4",
                        status: index == 3 ? .failed : .empty, reason: nil, attempts: 1)
                }
                // The first look only sets the next midnight; 23:00 is still before it.
                center.tick()
                center.observe(.consoleUnreachable, active: true, detail: "cannot connect to 127.0.0.1:7443")
                clock.advance(minutes: 15 * 60)
                center.tick()
            }
            #expect(summaries(receiver).isEmpty)
            // Restarted past midnight: one summary of the day before.
            clock.advance(minutes: 2 * 60)
            try await run { center, _ in
                center.tick()
                center.tick()
            }
            let first = try #require(summaries(receiver).first)
            #expect(summaries(receiver).count == 1)
            #expect(first["kind"] as? String == "summary")
            #expect(first["schema"] as? String == "protect-dl.alert/1")
            #expect(first["title"] as? String == "[home] daily summary")
            let figures = try #require(first["summary"] as? [String: Any])
            #expect(figures["period"] as? String == "daily")
            #expect(figures["from"] as? String == "2027-01-15T00:00:00Z")
            #expect(figures["to"] as? String == "2027-01-16T00:00:00Z")
            #expect(figures["archive_bytes"] as? Int == 8000)
            #expect(figures["open_alerts"] as? [String] == ["[home] console unreachable"])
            let cameras = try #require(figures["cameras"] as? [[String: Any]])
            #expect(cameras.map { $0["name"] as? String } == ["Door", "Garage"])
            #expect(cameras.map { $0["hours_saved"] as? Int } == [0, 8])
            #expect(cameras.map { $0["hours_missing"] as? Int } == [1, 0])
            #expect(cameras.map { $0["newest"] as? String } == [nil, "2027-01-15T08:00:00Z"])
            let message = try #require(first["message"] as? String)
            #expect(message.hasPrefix("Daily summary, 2027-01-15 00:00 to 2027-01-16 00:00: 2 cameras"), "\(message)")
            #expect(message.contains("8 hours saved, 1 hours missing"), "\(message)")
            #expect(message.contains("1 alerts open: [home] console unreachable."), "\(message)")
            // Restarted the same day: nothing. Stopped for three days: one summary, of the last whole day.
            try await run { center, _ in center.tick() }
            #expect(summaries(receiver).count == 1)
            clock.advance(minutes: 3 * 24 * 60)
            try await run { center, _ in
                center.tick()
                center.tick()
            }
            #expect(summaries(receiver).count == 2)
            let second = try #require(summaries(receiver).last?["summary"] as? [String: Any])
            #expect(second["from"] as? String == "2027-01-18T00:00:00Z")
            #expect(second["to"] as? String == "2027-01-19T00:00:00Z")
        }
    }

    @Test("Boundaries: midnight and Monday's in the console's zone")
    func boundaries() throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        // 2027-01-15 08:00 UTC is a Friday, 03:00 in New York.
        let now: Int64 = 1_800_000_000_000
        #expect(SummarySchedule.daily.next(after: now, in: zone) == now + 21 * hour)
        #expect(SummarySchedule.weekly.next(after: now, in: zone) == now + (2 * 24 + 21) * hour)
        #expect(SummarySchedule.daily.next(after: now - 8 * hour, in: TimeZone(identifier: "UTC")!) == now + 16 * hour)
    }
}
