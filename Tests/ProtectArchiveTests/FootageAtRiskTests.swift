import Foundation
import Logging
import Testing

@testable import ProtectArchive

@Suite("footage-at-risk: the console's oldest recording catching up with the archive's gap")
struct FootageAtRiskTests {
    let hour: Int64 = 3_600_000

    @Test("Unsaved hours within the margin of the console's oldest recording raise it once; catching up clears it")
    func raisedAndCleared() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-risk-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = MovedWallClock()
        let state = try ArchiveState(destination: folder, clock: clock.clock)
        var settings = AlertSettings()
        settings.riskMargin = 86_400
        settings.tickEvery = 3600
        let hour = self.hour
        try await AlertCenter.withCenter(
            console: "home", settings: settings, state: state, logger: Logger(label: "test")
        ) { center in
            // The console keeps 7 days; the archive misses hours 3 and 4 days after its oldest recording: safe.
            let now = clock.clock.now()
            var oldest = now - 7 * 24 * hour
            func backlog() -> [CameraBacklog] {
                [
                    CameraBacklog(
                        cameraID: "cam1", name: "Garage", consoleOldest: oldest,
                        unsaved: [now - 4 * 24 * hour, now - 3 * 24 * hour])
                ]
            }
            center.footageAtRisk(backlog())
            #expect(center.open.isEmpty)
            // Two and a half days later (the console's retention moving with the clock), the gap is within a day.
            clock.advance(minutes: 60 * 60)
            oldest += 60 * hour
            center.footageAtRisk(backlog())
            #expect(center.open.map(\.key.kind) == [.footageAtRisk])
            #expect(center.open.first?.key.subject == "cam1")
            #expect(center.open.first?.detail.contains("1 hours of Garage") == true)
            // Another pass still behind: no second alert, the same one open.
            clock.advance(minutes: 60)
            oldest += hour
            center.footageAtRisk(backlog())
            center.tick()
            #expect(center.open.count == 1)
            // The archive caught up: the condition recovers.
            center.footageAtRisk([CameraBacklog(cameraID: "cam1", name: "Garage", consoleOldest: oldest, unsaved: [])])
            #expect(center.open.isEmpty)
        }
        #expect(try state.alerts().isEmpty)
    }

    @Test("A completed pass's backlog is judged; an interrupted pass's is not")
    func passEnded() async throws {
        var settings = AlertSettings()
        settings.tickEvery = 3600
        let hour = self.hour
        try await AlertCenter.withCenter(
            console: "home", settings: settings, state: nil, logger: Logger(label: "test")
        ) { center in
            var report = SyncReport()
            report.backlog = [
                CameraBacklog(cameraID: "c", name: "Door", consoleOldest: 10 * hour, unsaved: [11 * hour])
            ]
            report.summary.interrupted = true
            center.passEnded(.completed(report))
            #expect(center.open.isEmpty)
            report.summary.interrupted = false
            center.passEnded(.completed(report))
            #expect(center.open.map(\.key.kind) == [.footageAtRisk])
        }
    }
}
