import Testing

@testable import ProtectArchive

@Suite("Which archive files make a clip, cut where, and what is missing")
struct ClipPlanTests {
    func segment(_ hour: Int64, _ status: SegmentRecord.Status = .complete) -> SegmentRecord {
        SegmentRecord(
            cameraID: "c", stream: "0", start: hour * 3_600_000, end: (hour + 1) * 3_600_000, path: "h\(hour).mp4",
            size: 1, sha256: nil, status: status, attempts: 1, lastReason: nil, updatedAt: 0, adopted: false,
            duration: 3600)
    }

    @Test("A range across three hours enters the first and leaves the last; the middle is whole")
    func acrossHours() {
        let range: Range<Int64> = 36_001_500..<43_290_000
        let plan = ClipPlan.make(segments: [segment(12), segment(10), segment(11)], range: range)
        #expect(plan.gaps.isEmpty)
        #expect(plan.pieces.map(\.path) == ["h10.mp4", "h11.mp4", "h12.mp4"])
        #expect(plan.pieces[0].inpoint == 1.5 && plan.pieces[0].outpoint == nil)
        #expect(plan.pieces[1].inpoint == nil && plan.pieces[1].outpoint == nil)
        #expect(plan.pieces[2].inpoint == nil && plan.pieces[2].outpoint == 90)
    }

    @Test("Failed, empty and absent hours are gaps; inside one file, both cuts are on it")
    func gaps() {
        let range: Range<Int64> = 36_000_000..<54_000_000
        let plan = ClipPlan.make(
            segments: [segment(10), segment(11, .failed), segment(13, .empty), segment(14)], range: range)
        #expect(plan.pieces.map(\.path) == ["h10.mp4", "h14.mp4"])
        let gap: Range<Int64> = 39_600_000..<50_400_000
        #expect(plan.gaps == [gap])
        let ten: Int64 = 36_000_000
        let asked: Range<Int64> = (ten + 5_000)..<(ten + 9_000)
        let inside = ClipPlan.make(segments: [segment(10)], range: asked)
        #expect(inside.pieces.count == 1 && inside.pieces[0].inpoint == 5 && inside.pieces[0].outpoint == 9)
        #expect(inside.pieces[0].covered == asked)
        let later: Range<Int64> = 43_200_000..<46_800_000
        let none = ClipPlan.make(segments: [segment(10)], range: later)
        #expect(none.pieces.isEmpty && none.gaps == [later])
    }
}

@Suite("Files shorter than their hour")
struct ClipPlanPartialTests {
    @Test("A short first file holds the end of its hour; a short file after another holds the start of its hour")
    func partialHours() {
        func segment(_ hour: Int64, seconds: Double) -> SegmentRecord {
            SegmentRecord(
                cameraID: "c", stream: "0", start: hour * 3_600_000, end: (hour + 1) * 3_600_000,
                path: "h\(hour).mp4", size: 1, sha256: nil, status: .complete, attempts: 1, lastReason: nil,
                updatedAt: 0, adopted: false, duration: seconds)
        }
        let range: Range<Int64> = 36_000_000..<46_800_000
        let plan = ClipPlan.make(
            segments: [segment(10, seconds: 1800), segment(11, seconds: 3600), segment(12, seconds: 600)],
            range: range)
        #expect(plan.pieces.map(\.start) == [37_800_000, 39_600_000, 43_200_000])
        #expect(plan.pieces.map(\.end) == [39_600_000, 43_200_000, 43_800_000])
        #expect(plan.pieces.allSatisfy { $0.inpoint == nil && $0.outpoint == nil })
        let gaps: [Range<Int64>] = [36_000_000..<37_800_000, 43_800_000..<46_800_000]
        #expect(plan.gaps == gaps)
    }
}
