import Foundation
import Testing

@testable import ProtectArchive

@Suite("Segment planning as a property")
struct SegmentPropertyTests {
    static let zones: [DisplayZone] = [
        .fixed(seconds: 0), .fixed(seconds: 7200), .fixed(seconds: -25_200), .fixed(seconds: 19_800),
        .named("America/New_York"), .named("Europe/Berlin"), .named("Australia/Adelaide"), .named("UTC"),
    ]

    @Test("Counting segments without listing them agrees with the list, also where DST shifts by half an hour")
    func counts() {
        var random = SeededGenerator.fromEnvironment()
        let base: Int64 = 1_546_300_800_000
        // A range ending within the hour before Lord Howe's change back to +10:30 (found by a random run).
        let lordHowe = DisplayZone.named("Australia/Lord_Howe")
        #expect(
            SegmentPlanner.count(from: 1_732_004_291_863, to: 1_743_864_149_304, in: lordHowe)
                == SegmentPlanner.segments(from: 1_732_004_291_863, to: 1_743_864_149_304, in: lordHowe).count)
        for zone in Self.zones + [lordHowe, .named("Asia/Kolkata")] {
            for _ in 0..<200 {
                let start = base + Int64.random(in: 0..<(6 * 365 * 86_400_000), using: &random)
                let end = start + Int64.random(in: 1..<(400 * 86_400_000), using: &random)
                #expect(
                    SegmentPlanner.count(from: start, to: end, in: zone)
                        == SegmentPlanner.segments(from: start, to: end, in: zone).count,
                    "seed \(random.seed), \(start)..\(end) in \(zone)")
            }
        }
    }

    @Test("Segments found by arithmetic are exactly those found hour by hour from the zone, in every zone")
    func arithmeticMatchesLookup() {
        var random = SeededGenerator.fromEnvironment()
        let base: Int64 = 1_546_300_800_000
        for zone in Self.zones + [.named("Australia/Lord_Howe"), .named("Asia/Kolkata"), .named("Asia/Kathmandu")] {
            for _ in 0..<100 {
                let start = base + Int64.random(in: 0..<(6 * 365 * 86_400_000), using: &random)
                let end = start + Int64.random(in: 1..<(30 * 86_400_000), using: &random)
                #expect(
                    SegmentPlanner.segments(from: start, to: end, in: zone)
                        == SegmentPlanner.segmentsByLookup(from: start, to: end, in: zone),
                    "seed \(random.seed), \(start)..\(end) in \(zone)")
            }
        }
    }

    @Test("Any range: contiguous, inside the range, at most an hour, cut on the zone's clock hours", arguments: zones)
    func randomRanges(zone: DisplayZone) {
        var random = SeededGenerator.fromEnvironment()
        let base: Int64 = 1_546_300_800_000  // 2019-01-01
        for iteration in 0..<400 {
            var start = base + Int64.random(in: 0..<(6 * 365 * 86_400_000), using: &random)
            var length = Int64.random(in: 1..<(4 * 86_400_000), using: &random)
            switch iteration % 4 {
            case 0: start = start / 3_600_000 * 3_600_000  // on an hour (UTC)
            case 1: length = Int64.random(in: 1..<3_600_000, using: &random)  // within an hour or across one
            case 2: length = length / 3_600_000 * 3_600_000 + 3_600_000
            default: break
            }
            let end = start + length
            let segments = SegmentPlanner.segments(from: start, to: end, in: zone)
            #expect(
                SegmentPlanner.count(from: start, to: end, in: zone) == segments.count,
                "count without listing, seed \(random.seed), \(start)..\(end) in \(zone)")
            #expect(segments.first?.start == start)
            #expect(segments.last?.end == end)
            for (index, segment) in segments.enumerated() {
                #expect(segment.start < segment.end)
                #expect(segment.end - segment.start <= 3_600_000)
                if index + 1 < segments.count {
                    #expect(segment.requestEnd + 1 == segments[index + 1].start)  // no gap, no overlap
                    let f = TimeFormatting.fields(segment.end, in: zone)
                    #expect(f.minute == 0 && f.second == 0, "cut at \(segment.end) in \(zone)")
                    let g = TimeFormatting.fields(segment.end - 1000, in: zone)
                    #expect(g.second == 59)
                }
                if index > 0 && index + 1 < segments.count {
                    #expect(segment.end - segment.start == 3_600_000)
                }
            }
        }
    }

    @Test("A whole day in a fixed zone is 24 files from HH:00:00 to HH:59:59")
    func wholeDay() throws {
        let start = try UserTime.parse("2019-10-12 00:00:00+0200", defaultZone: .fixed(seconds: 0))
        let end = try UserTime.parse("2019-10-13 00:00:00+0200", defaultZone: .fixed(seconds: 0))
        let zone = DisplayZone.fixed(seconds: 7200)
        let segments = SegmentPlanner.segments(from: start.milliseconds, to: end.milliseconds, in: zone)
        #expect(segments.count == 24)
        #expect(TimeFormatting.fileTime(segments[23].start, in: zone) == "2019-10-12--23-00-00+0200")
        #expect(TimeFormatting.fileTime(segments[23].displayEnd, in: zone) == "2019-10-12--23-59-59+0200")
        #expect(segments[23].requestEnd == end.milliseconds - 1)
    }

    @Test("Across the new year and a month end, mid-hour start and end")
    func calendarEdges() throws {
        let utc = DisplayZone.fixed(seconds: 0)
        let start = try UserTime.parse("2019-12-31 22:30:00+0000", defaultZone: utc)
        let end = try UserTime.parse("2020-01-01 01:15:00+0000", defaultZone: utc)
        let segments = SegmentPlanner.segments(from: start.milliseconds, to: end.milliseconds, in: utc)
        #expect(
            segments.map { TimeFormatting.fileTime($0.start, in: utc) } == [
                "2019-12-31--22-30-00+0000", "2019-12-31--23-00-00+0000", "2020-01-01--00-00-00+0000",
                "2020-01-01--01-00-00+0000",
            ])
        #expect(TimeFormatting.fileTime(segments[3].displayEnd, in: utc) == "2020-01-01--01-14-59+0000")
    }
}

/// A seeded random generator (SplitMix64): the seed comes from PROTECT_DL_TEST_SEED or is drawn, and is printed so a
/// failing run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    static func fromEnvironment() -> SeededGenerator {
        let seed =
            ProcessInfo.processInfo.environment["PROTECT_DL_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        print("random inputs: PROTECT_DL_TEST_SEED=\(seed)")
        return SeededGenerator(seed: seed)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
