import Foundation

/// Where each camera has footage: from its first recording to now (or to when it stopped), minus gaps
/// and, for motion-only cameras, minus the quiet hours.
struct RecordingTimeline: Sendable {
    let gaps: [SimulatorConfiguration.Gap]
    let quietHours: Set<Int>
    let timeZone: TimeZone

    init(configuration: SimulatorConfiguration, timeZoneIdentifier: String) {
        gaps = configuration.gaps
        quietHours = configuration.cameras.quietHours
        timeZone = TimeZone(identifier: timeZoneIdentifier) ?? TimeZone(identifier: "UTC")!
    }

    /// The recorded intervals of `camera` within `[start, end)`, in milliseconds.
    func recordedIntervals(of camera: SimulatedCamera, from start: Int64, to end: Int64, now: Int64) -> [Range<Int64>] {
        guard let first = camera.recordingStart else { return [] }
        let last = min(camera.recordingEnd ?? now, now)
        let lower = max(start, first)
        let upper = min(end, last)
        guard lower < upper else { return [] }
        var intervals = [lower..<upper]
        for gap in gaps where gap.cameraIndex == nil || gap.cameraIndex == camera.index {
            intervals = intervals.flatMap { Self.subtract(gap.start..<gap.end, from: $0) }
        }
        if camera.motionOnly && !quietHours.isEmpty {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            var hourStart = (lower / 3_600_000) * 3_600_000
            while hourStart < upper {
                let date = Date(timeIntervalSince1970: Double(hourStart) / 1000)
                if quietHours.contains(calendar.component(.hour, from: date)) {
                    intervals = intervals.flatMap { Self.subtract(hourStart..<hourStart + 3_600_000, from: $0) }
                }
                hourStart += 3_600_000
            }
        }
        return intervals.filter { !$0.isEmpty }
    }

    static func subtract(_ hole: Range<Int64>, from interval: Range<Int64>) -> [Range<Int64>] {
        guard hole.overlaps(interval) else { return [interval] }
        var pieces: [Range<Int64>] = []
        if interval.lowerBound < hole.lowerBound { pieces.append(interval.lowerBound..<hole.lowerBound) }
        if hole.upperBound < interval.upperBound { pieces.append(hole.upperBound..<interval.upperBound) }
        return pieces
    }
}
