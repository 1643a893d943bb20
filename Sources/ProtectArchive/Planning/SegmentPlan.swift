import ProtectAPI

/// The segments a `download` run asks for, planned lazily camera by camera: each camera's range clipped to its
/// recordings, and nothing past the last moment the console has finished writing (a segment that reaches past it
/// is cut there, so its name says what it holds).
public struct SegmentPlan: Sequence, Sendable {
    public let cameras: [Camera]
    public let zone: DisplayZone
    /// Each camera's planned range, `[start, end)`, or nil when none of its recordings fall in the range.
    let ranges: [(start: Int64, end: Int64)?]
    /// Segments planned in all.
    public let count: Int
    /// Segments left out because they lie outside the cameras' recordings.
    public let outsideRecordings: Int
    /// Lines the user should read before the run: cut segments, cameras without recordings in the range.
    public let notices: [String]

    public init(cameras: [Camera], start: Int64, end: Int64, zone: DisplayZone, settled: Int64) {
        self.cameras = cameras
        self.zone = zone
        let stop = Swift.min(end, settled / 1000 * 1000)
        var ranges: [(start: Int64, end: Int64)?] = []
        var count = 0
        var outside = 0
        var notices: [String] = []
        let whole = SegmentPlanner.count(from: start, to: stop, in: zone)
        for camera in cameras {
            var from = start
            var to = stop
            if let first = camera.recordingStart { from = Swift.max(from, SegmentPlanner.hourFloor(first, in: zone)) }
            if let last = camera.recordingEnd {
                to = Swift.min(to, SegmentPlanner.nextHourBoundary(after: last, in: zone))
            }
            if from < to {
                ranges.append((from, to))
                let planned = SegmentPlanner.count(from: from, to: to, in: zone)
                count += planned
                outside += whole - planned
            } else {
                ranges.append(nil)
                outside += whole
            }
        }
        if stop < end {
            notices.append(
                "The range reaches past the last moment the console has finished writing, "
                    + "\(TimeFormatting.iso(stop)): nothing later is asked for, and a segment that reaches past it is "
                    + "cut there and named by what it holds.")
        }
        var planned =
            "\(count) segment\(count == 1 ? "" : "s") planned for \(cameras.count) camera"
            + (cameras.count == 1 ? "" : "s")
        if outside > 0 {
            planned +=
                "; \(outside) of the range's \(whole * cameras.count) camera-hours lie outside the cameras' "
                + "recordings and are not asked for"
        }
        notices.append(planned + ".")
        self.ranges = ranges
        self.count = count
        self.outsideRecordings = outside
        self.notices = notices
    }

    /// The first camera and segment, if any.
    public var first: (Camera, Segment)? {
        var iterator = makeIterator()
        return iterator.next()
    }

    public func makeIterator() -> Iterator { Iterator(plan: self) }

    /// Walks camera by camera, segment by segment, holding one cursor.
    public struct Iterator: IteratorProtocol {
        let plan: SegmentPlan
        var cameraIndex = 0
        var cursor: Int64?

        public mutating func next() -> (Camera, Segment)? {
            while cameraIndex < plan.cameras.count {
                guard let range = plan.ranges[cameraIndex] else {
                    cameraIndex += 1
                    continue
                }
                let start = cursor ?? range.start
                if start >= range.end {
                    cameraIndex += 1
                    cursor = nil
                    continue
                }
                let end = Swift.min(SegmentPlanner.nextHourBoundary(after: start, in: plan.zone), range.end)
                cursor = end
                return (plan.cameras[cameraIndex], Segment(start: start, end: end))
            }
            return nil
        }
    }
}
