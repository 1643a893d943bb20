import Foundation
import ProtectAPI
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("Durations, plans clipped to recordings and to now, name collisions")
struct PlanAndDurationTests {
    func movie(milliseconds: Int64) throws -> String {
        let movie = ExportMovie(
            identity: "test", width: 160, height: 90, framesPerSecond: 5, bitsPerSecond: 32_000,
            durationMilliseconds: milliseconds, creationTime: 0)
        let bytes = movie.bytes()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("duration-\(UUID()).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("The MP4 header's duration is read, and compared with what a name claims")
    func durations() throws {
        for milliseconds: Int64 in [120_000, 3_599_000] {
            let path = try movie(milliseconds: milliseconds)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let duration = try #require(try MP4Check.duration(path: path))
            #expect(abs(duration - Double(milliseconds) / 1000) < 0.5)
        }
        let hour = ClaimedDuration.seconds(start: 0, end: 3_600_000, variant: ExportVariant())
        #expect(ClaimedDuration.matches(3599.5, claimed: hour))
        #expect(!ClaimedDuration.matches(120, claimed: hour), "two minutes are not an hour")
        #expect(!ClaimedDuration.matches(7200, claimed: hour))
        let timelapse = ClaimedDuration.seconds(start: 0, end: 3_600_000, variant: ExportVariant(timelapseSpeed: 60))
        #expect(ClaimedDuration.matches(60, claimed: timelapse))
    }

    func camera(_ id: String, recording: ClosedRange<Int64>?) throws -> Camera {
        var object: [String: Any] = ["id": id, "name": "Cam \(id)", "channels": [] as [Any]]
        if let recording {
            object["stats"] = ["video": ["recordingStart": recording.lowerBound, "recordingEnd": recording.upperBound]]
        }
        return try JSONDecoder().decode(Camera.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test("A plan is clipped to each camera's recordings and to the settled moment, counted without listing")
    func plans() throws {
        let hour: Int64 = 3_600_000
        let base: Int64 = 1_767_225_600_000  // 2026-01-01T00:00Z
        let cameras = [
            try camera("aaaa", recording: (base + 2 * hour + 600_000)...(base + 5 * hour)),
            try camera("bbbb", recording: nil),
            try camera("cccc", recording: (base - 100 * hour)...(base - 50 * hour)),
        ]
        // Ten years, but the console finished writing at base + 10 h + 30 min.
        let plan = SegmentPlan(
            cameras: cameras, start: base - 87_600 * hour, end: base + 87_600 * hour, zone: .fixed(seconds: 0),
            settled: base + 10 * hour + 1_800_000)
        let listed = Array(plan)
        #expect(listed.count == plan.count)
        let first = listed.filter { $0.0.id == "aaaa" }.map(\.1)
        #expect(first.first?.start == base + 2 * hour)
        #expect(first.last?.end == base + 6 * hour)
        #expect(first.count == 4)
        let unknown = listed.filter { $0.0.id == "bbbb" }.map(\.1)
        #expect(unknown.last?.end == base + 10 * hour + 1_800_000, "cut at the settled moment")
        #expect(unknown.last.map { $0.end - $0.start } == 1_800_000)
        let old = listed.filter { $0.0.id == "cccc" }.map(\.1)
        #expect(old.count == 51, "only the hours of its recordings")
        #expect(old.first?.start == base - 100 * hour)
        #expect(plan.outsideRecordings > 0)
        #expect(plan.notices.count == 2)
        #expect(plan.notices.last?.hasPrefix("\(plan.count) segments planned for 3 cameras; ") == true)
    }

    @Test("Forty cameras that recorded ten years: counted by arithmetic, walked one segment at a time")
    func hugePlan() throws {
        let hour: Int64 = 3_600_000
        let end: Int64 = 1_767_225_600_000
        let start = end - 87_600 * hour
        let cameras = try (0..<40).map { try camera(String(format: "%024d", $0), recording: start...end) }
        let plan = SegmentPlan(
            cameras: cameras, start: start, end: end, zone: .named("America/New_York"), settled: end + hour)
        #expect(plan.count == 40 * 87_600)
        var iterator = plan.makeIterator()
        var previous: Segment?
        for _ in 0..<1000 {
            let next = iterator.next()
            let (_, segment) = try #require(next)
            if let previous { #expect(previous.end == segment.start) }
            previous = segment
        }
        // The default names hold the start instant: checking them renders one name per camera, not 3.5 million.
        try NameCheck.segments(
            plan, cameras: cameras, variant: ExportVariant(), zone: plan.zone,
            template: OutputTemplate(OutputTemplate.download))
    }

    @Test("Templates without the start instant are checked name by name, over a plan of years")
    func templatesCheckedByName() throws {
        let hour: Int64 = 3_600_000
        let end: Int64 = 1_767_225_600_000
        let start = end - 2 * 8_760 * hour
        let cameras = try ["aaaaaaaaaaaaaaaaaaaa0001", "aaaaaaaaaaaaaaaaaaaa0002"].map {
            try camera($0, recording: start...end)
        }
        let plan = SegmentPlan(cameras: cameras, start: start, end: end, zone: .named("Europe/Berlin"), settled: end)
        try NameCheck.segments(
            plan, cameras: cameras, variant: ExportVariant(), zone: plan.zone,
            template: OutputTemplate("{camera_id}/{start_date}/{start_hour}{start_offset}"))
        do {
            try NameCheck.segments(
                plan, cameras: cameras, variant: ExportVariant(), zone: plan.zone,
                template: OutputTemplate("{camera_id}/{start_date}"))
            Issue.record("hours of one day share a name")
        } catch ArchiveError.nameCollision(let path, let first, let second) {
            #expect(path.hasPrefix("aaaaaaaaaaaaaaaaaaaa0001/"))
            #expect(first != second)
        }
    }

    @Test("Names that collide are refused, naming both items; names differing only in case collide")
    func collisions() throws {
        #expect(throws: Never.self) { try NameCheck.paths([("a.mp4", "first"), ("b.mp4", "second")]) }
        do {
            try NameCheck.paths([("a.mp4", "first"), ("b.mp4", "second"), ("A.mp4", "third")])
            Issue.record("a collision was not found")
        } catch let error as ArchiveError {
            let text = error.localizedDescription
            #expect(text.contains("first") && text.contains("third") && text.contains("A.mp4"))
        }
    }
}

@Suite("Local times that daylight saving makes impossible or double")
struct DaylightSavingTests {
    @Test("A time in the spring gap and one in the autumn fold are named, with the instant taken")
    func gapAndFold() throws {
        let zone = DisplayZone.named("America/New_York")
        let gap = try UserTime.parse("2026-03-08 02:30:00", defaultZone: zone)
        #expect(try gap.milliseconds == UserTime.parse("2026-03-08T07:30:00Z", defaultZone: zone).milliseconds)
        guard case .skipped = gap.ambiguity else {
            Issue.record("the gap is not named")
            return
        }
        #expect(gap.ambiguity?.sentence(in: zone, name: "America/New_York").contains("03:30:00-0400") == true)
        let fold = try UserTime.parse("2026-11-01 01:30:00", defaultZone: zone)
        #expect(try fold.milliseconds == UserTime.parse("2026-11-01T05:30:00Z", defaultZone: zone).milliseconds)
        guard case .repeated = fold.ambiguity else {
            Issue.record("the fold is not named")
            return
        }
        let plain = try UserTime.parse("2026-07-01 12:00:00", defaultZone: zone)
        #expect(plain.ambiguity == nil)
        #expect(try plain.milliseconds == UserTime.parse("2026-07-01T16:00:00Z", defaultZone: zone).milliseconds)
    }
}
