import GRDB

extension ArchiveState {
    /// Per camera, the hours from `start` up to `end` (by their footage's time) that are complete, and those the
    /// archive knows it lacks (failed, kept short, or gone from the destination); and the event clips saved.
    public func periodCounts(from start: Int64, to end: Int64) throws -> [String: (
        saved: Int, missing: Int, clips: Int
    )] {
        try read { db in
            var counts: [String: (saved: Int, missing: Int, clips: Int)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT cameraID, status, COUNT(*) AS hours FROM segment
                    WHERE start >= ? AND start < ? AND stream NOT LIKE 'event:%' GROUP BY cameraID, status
                    """, arguments: [start, end])
            {
                let camera: String = row["cameraID"]
                let status: String = row["status"]
                let hours: Int = row["hours"]
                var count = counts[camera] ?? (0, 0, 0)
                switch status {
                case SegmentRecord.Status.complete.rawValue: count.saved += hours
                case SegmentRecord.Status.failed.rawValue, SegmentRecord.Status.short.rawValue,
                    SegmentRecord.Status.missing.rawValue:
                    count.missing += hours
                default: break
                }
                counts[camera] = count
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT cameraID, COUNT(*) AS clips FROM event
                    WHERE status = 'saved' AND start >= ? AND start < ? GROUP BY cameraID
                    """, arguments: [start, end])
            {
                let camera: String = row["cameraID"]
                counts[camera, default: (0, 0, 0)].clips += row["clips"] as Int
            }
            return counts
        }
    }
}
