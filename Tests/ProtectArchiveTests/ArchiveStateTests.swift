import Foundation
import Testing

@testable import ProtectArchive

@Suite("Archive state, adoption names, durations and stream keys")
struct ArchiveStateTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-state-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Outcomes accumulate attempts, a completion replaces a failure, a second writer is locked out")
    func recordsAndLock() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = try ArchiveState(destination: folder)
        try state.recordOutcome(
            cameraID: "c1", stream: "0", start: 0, end: 3_600_000, path: "a.mp4", status: .failed, reason: "503",
            attempts: 2)
        try state.recordOutcome(
            cameraID: "c1", stream: "0", start: 0, end: 3_600_000, path: "a.mp4", status: .failed, reason: "reset",
            attempts: 1)
        var record = try #require(try state.segments(cameraID: "c1", stream: "0")[0])
        #expect(record.status == .failed && record.attempts == 3 && record.lastReason == "reset")
        try state.recordComplete(
            cameraID: "c1", stream: "0", start: 0, end: 3_600_000, path: "a.mp4", size: 10, sha256: "ab", adopted: false
        )
        record = try #require(try state.segments(cameraID: "c1", stream: "0")[0])
        #expect(record.status == .complete && record.attempts == 4 && record.lastReason == nil && record.sha256 == "ab")
        #expect(try state.segments(cameraID: "c1", stream: "1").isEmpty)
        #expect(throws: StateError.self) { try ArchiveState(destination: folder) }
        let reader = try ArchiveState(destination: folder, create: false, exclusive: false)
        #expect(try reader.segments(status: .complete).count == 1)
        try state.recordCameras([("c1", "Porch")])
        try state.recordCameras([("c1", "Renamed"), ("c2", "New")])
        #expect(Set(try state.cameras().map(\.name)) == ["Renamed", "New"])
        #expect(try state.integrityCheck() == "ok")
        #expect(throws: StateError.self) {
            try ArchiveState(destination: folder.appendingPathComponent("nothing"), create: false)
        }
    }

    @Test("The original downloader's names are read back to camera, start, end and stream")
    func adoptionNames() throws {
        let pattern = try Regex(
            #"_([^_]{4})_(\d{4}-\d{2}-\d{2}--\d{2}-\d{2}-\d{2}[+-]\d{4})_(\d{4}-\d{2}-\d{2}--\d{2}-\d{2}-\d{2}[+-]\d{4})((?:_[A-Za-z0-9]+)*)$"#
        )
        let start = try UserTime.parse("2020-04-05 00:00:00-0700", defaultZone: .fixed(seconds: 0)).milliseconds
        let segment = Segment(start: start, end: start + 3_600_000)
        for (name, suffix) in [
            ("Back Yard", ""), ("Under_score Cam", ""), ("", "_channel1"), ("Door", "_package_timelapse60x"),
        ] {
            let file =
                String(
                    FileNaming.fileName(
                        cameraName: name, cameraID: "5e8a1b2c3d4e5f60718203ef", segment: segment,
                        zone: .fixed(seconds: -7 * 3600)
                    ).dropLast(4)) + suffix + ".mp4"
            let key = try #require(AdoptionIndex.key(forName: file, pattern: pattern), "\(file)")
            #expect(key.idSuffix == "03ef" && key.start == segment.start && key.displayEnd == segment.displayEnd)
            #expect(key.variantSuffix == suffix)
        }
        #expect(AdoptionIndex.key(forName: "holiday.mp4", pattern: pattern) == nil)
        #expect(AdoptionIndex.key(forName: "Cam_03ef_2020-04-05--00-00-00-0700.mp4", pattern: pattern) == nil)
    }

    @Test("Durations, stream keys, and the last whole hour before a moment in zones with odd offsets and DST")
    func durationsStreamsHours() throws {
        #expect(DurationText.seconds("90s") == 90 && DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("30d") == 2_592_000 && DurationText.seconds("2w") == 1_209_600)
        #expect(DurationText.seconds("45") == 45 && DurationText.seconds("1.5h") == 5400)
        #expect(["", "0", "-1h", "h", "3x", "inf"].compactMap(DurationText.seconds).isEmpty)
        for variant in [
            ExportVariant(), ExportVariant(channel: 2), ExportVariant(packageLens: true, timelapseSpeed: 600),
            ExportVariant(channel: 1, timelapseSpeed: 60),
        ] {
            #expect(ExportVariant(streamKey: variant.streamKey) == variant, "\(variant.streamKey)")
        }
        #expect(ExportVariant(streamKey: "7") == nil && ExportVariant(streamKey: "0+slow") == nil)
        let zones: [DisplayZone] = [.fixed(seconds: 0), .fixed(seconds: 19_800), .named("Europe/Berlin")]
        var random = SeededGenerator.fromEnvironment()
        for zone in zones {
            for _ in 0..<500 {
                let t = Int64.random(in: 1_600_000_000_000...1_800_000_000_000, using: &random)
                let floor = SegmentPlanner.hourFloor(t, in: zone)
                #expect(floor <= t && t - floor <= 3_600_000)
                let fields = TimeFormatting.fields(floor, in: zone)
                #expect(fields.minute == 0 && fields.second == 0, "\(zone) \(t)")
                #expect(SegmentPlanner.nextHourBoundary(after: floor, in: zone) > t)
            }
        }
    }
}
