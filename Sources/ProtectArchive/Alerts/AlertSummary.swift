import Foundation

/// How often a summary of the archive is sent through the alert channels (`--summary daily|weekly|off`).
public enum SummarySchedule: String, Sendable, CaseIterable {
    case daily, weekly

    /// The first boundary after `milliseconds` in `zone`: the next midnight, or for `weekly` the next Monday's.
    public func next(after milliseconds: Int64, in zone: TimeZone) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let moment = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        var wanted = DateComponents(hour: 0, minute: 0, second: 0)
        if self == .weekly { wanted.weekday = 2 }
        let next =
            calendar.nextDate(after: moment, matching: wanted, matchingPolicy: .nextTime)
            ?? moment.addingTimeInterval(self == .daily ? 86_400 : 7 * 86_400)
        return Int64((next.timeIntervalSince1970 * 1000).rounded())
    }

    /// The period one summary covers, in milliseconds.
    public var length: Int64 { self == .daily ? 86_400_000 : 7 * 86_400_000 }
}

/// What a daily or weekly summary says, as the webhook's `summary` object: the period, each camera's hours saved
/// and missing in it and its newest footage, the archive's size and free space, the alerts still open.
public struct AlertSummary: Sendable, Codable, Equatable {
    /// One camera in the period.
    public struct Camera: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        /// Hours of footage from the period now complete in the archive.
        public var hoursSaved: Int
        /// Hours from the period the archive knows it lacks (failed, kept short, or gone from the destination).
        public var hoursMissing: Int
        /// Event clips from the period saved.
        public var clipsSaved: Int
        /// The end of its newest footage in the archive (ISO 8601, UTC), if any.
        public var newest: String?
        /// `newest` in milliseconds (not sent).
        public var newestMilliseconds: Int64? = nil

        enum CodingKeys: String, CodingKey {
            case id, name, newest
            case hoursSaved = "hours_saved"
            case hoursMissing = "hours_missing"
            case clipsSaved = "clips_saved"
        }
    }

    /// `daily` or `weekly`.
    public var period: String
    /// The period covered (ISO 8601, UTC): the footage recorded from `from` up to `to`.
    public var from: String
    public var to: String
    public var cameras: [Camera]
    /// Bytes of footage in the archive.
    public var archiveBytes: Int64
    /// Free bytes on a local destination's disk (absent for a remote).
    public var freeBytes: Int64?
    /// The titles of the alerts still open.
    public var openAlerts: [String]

    enum CodingKeys: String, CodingKey {
        case period, from, to, cameras
        case archiveBytes = "archive_bytes"
        case freeBytes = "free_bytes"
        case openAlerts = "open_alerts"
    }

    /// The summary for a person, in sentences; times in `zone`.
    public func text(from start: Int64, to end: Int64, in zone: TimeZone) -> String {
        func moment(_ milliseconds: Int64) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        }
        func size(_ bytes: Int64) -> String { ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file) }
        let saved = cameras.map(\.hoursSaved).reduce(0, +)
        let missing = cameras.map(\.hoursMissing).reduce(0, +)
        let clips = cameras.map(\.clipsSaved).reduce(0, +)
        var text = "\(period.capitalized) summary, \(moment(start)) to \(moment(end)): \(cameras.count) cameras, "
        text += "\(saved) hours saved, \(missing) hours missing"
        text += clips > 0 ? ", \(clips) clips saved. " : ". "
        text += "Archive \(size(archiveBytes))" + (freeBytes.map { ", \(size($0)) free. " } ?? ". ")
        text +=
            openAlerts.isEmpty
            ? "No alert open."
            : "\(openAlerts.count) alerts open: " + openAlerts.joined(separator: "; ") + "."
        let newest = cameras.map { "\($0.name) \($0.newestMilliseconds.map(moment) ?? "none")" }
        if !newest.isEmpty { text += " Newest footage: " + newest.joined(separator: ", ") + "." }
        return text
    }
}
