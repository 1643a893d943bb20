import Foundation

/// A picture of an archive from its state: per camera and stream, every hour from the oldest to the newest, as
/// archived (verified), archived but not yet verified, empty, failed, missing, pruned or short (damaged).
public struct ArchiveStatus: Sendable, Codable, Equatable {
    /// What an hour of a camera is in the archive.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// The file is there and a verify read it back since it was written.
        case archived
        /// The file is recorded complete; no verify has read it back since.
        case unverified
        /// The console had no footage for it.
        case empty
        /// Downloading it failed; the next sync tries again.
        case failed
        /// Between the oldest and newest hour, with no record at all, or recorded once but its file found gone from the
        /// destination (by `sync` or `verify`; the note says which).
        case missing
        /// Removed by retention.
        case pruned
        /// A damaged recording: the console ended every attempt at the same byte; what it sent is kept under the
        /// hour's name with `.short` before `.mp4` (the note says so); later passes leave it.
        case short
    }

    /// One hour (or the part of one a segment covers).
    public struct Hour: Sendable, Codable, Equatable {
        public var start: Int64
        public var end: Int64
        public var state: State
        public var path: String?
        public var size: Int64?
        public var sha256: String?
        /// Why it failed, or when it was verified.
        public var note: String?
    }

    /// One camera's stream.
    public struct Camera: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        /// The state's name of the stream (`0`, `event:0`, `1+timelapse60x`, ...).
        public var stream: String
        /// The stream as people say it: "hours, high quality", "event clips, high quality".
        public var label: String
        /// Event clips (saved by `watch`): entries are clips, and the time between them is not missing.
        public var clips: Bool
        /// Hours, or for `clips` the clips themselves.
        public var hours: [Hour]
        public var totals: [String: Int]
        public var bytes: Int64
    }

    public var cameras: [Camera]
    public var totals: [String: Int]
    public var bytes: Int64
    /// The first and last instants any hour covers (nil for an empty archive).
    public var oldest: Int64?
    public var newest: Int64?
    /// The console's time zone, as the state recorded it.
    public var timezone: String
    /// When the last `sync` pass (or `watch`'s hourly pass) ended, if one has.
    public var lastPass: Int64?
    /// The cameras the console reported disconnected at the last pass, by name (nil when none).
    public var disconnected: [String]?
    /// The alerts raised and not yet recovered, of every console the state serves.
    public var alerts: [Alert] = []

    /// Reads the state. `cameras` narrows the picture to ids or names (case-insensitive); empty means all.
    public static func load(state: ArchiveState, cameras wanted: [String] = []) throws -> ArchiveStatus {
        let verified = try state.verifications()
        let names = Dictionary(
            try state.cameras().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let wanted = Set(wanted.map { $0.lowercased() })
        var groups: [String: [SegmentRecord]] = [:]
        for record in try state.segments() {
            guard selects(wanted, id: record.cameraID, name: names[record.cameraID] ?? record.cameraID) else {
                continue
            }
            groups[record.cameraID + "\u{0}" + record.stream, default: []].append(record)
        }
        var cameras: [Camera] = []
        for (key, records) in groups {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let clips = Self.isClips(parts[1])
            let hours = Self.hours(records.sorted { $0.start < $1.start }, clips: clips, verified: verified)
            var totals: [String: Int] = [:]
            for hour in hours { totals[hour.state.rawValue, default: 0] += 1 }
            let bytes = hours.filter { $0.state == .archived || $0.state == .unverified }.reduce(0) {
                $0 + ($1.size ?? 0)
            }
            cameras.append(
                Camera(
                    id: parts[0], name: names[parts[0]] ?? parts[0], stream: parts[1], label: Self.label(parts[1]),
                    clips: clips, hours: hours, totals: totals, bytes: bytes))
        }
        cameras.sort { ordered(($0.name, $0.stream), before: ($1.name, $1.stream)) }
        var totals: [String: Int] = [:]
        for camera in cameras { for (state, count) in camera.totals { totals[state, default: 0] += count } }
        return ArchiveStatus(
            cameras: cameras, totals: totals, bytes: cameras.reduce(0) { $0 + $1.bytes },
            oldest: cameras.compactMap { $0.hours.first?.start }.min(),
            newest: cameras.compactMap { $0.hours.last?.end }.max(), timezone: try state.meta("timezone") ?? "UTC",
            lastPass: try state.meta(lastPassKey).flatMap { Int64($0) },
            disconnected: try disconnectedNames(state: state, names: names, wanted: wanted),
            alerts: try openAlerts(state))
    }

    /// Whether `--cameras` (lower-cased ids or names; empty for all) takes this camera.
    static func selects(_ wanted: Set<String>, id: String, name: String) -> Bool {
        wanted.isEmpty || wanted.contains(id.lowercased()) || wanted.contains(name.lowercased())
    }

    /// The picture's order of streams: by camera name regardless of case, then stream.
    static func ordered(_ left: (name: String, stream: String), before right: (name: String, stream: String)) -> Bool {
        (left.name.lowercased(), left.stream) < (right.name.lowercased(), right.stream)
    }

    /// The state's key for when the last pass ended (milliseconds since 1970).
    public static let lastPassKey = "lastPassAt"
    /// The state's key for the ids of the cameras the console reported disconnected at the last pass, one a line.
    public static let disconnectedKey = "disconnectedCameras"

    /// The names of the cameras the last pass found disconnected, among those `wanted`; nil when none.
    static func disconnectedNames(state: ArchiveState, names: [String: String], wanted: Set<String>) throws
        -> [String]?
    {
        let ids = (try state.meta(disconnectedKey) ?? "").split(separator: "\n").map(String.init)
        let chosen = ids.filter { selects(wanted, id: $0, name: names[$0] ?? $0) }.map { names[$0] ?? $0 }.sorted()
        return chosen.isEmpty ? nil : chosen
    }

    /// Whether a stream holds event clips rather than hours.
    static func isClips(_ stream: String) -> Bool { stream.hasPrefix("event:") }

    /// A stream as people say it: `event:0` is "event clips, high quality", `1+timelapse60x` "hours, medium quality,
    /// timelapse 60x".
    public static func label(_ stream: String) -> String {
        let clips = isClips(stream)
        let key = clips ? String(stream.dropFirst(6)) : stream
        let parts = key.split(separator: "+", maxSplits: 1).map(String.init)
        let qualities = ["0": "high quality", "1": "medium quality", "2": "low quality", "package": "package lens"]
        var text = (clips ? "event clips, " : "hours, ") + (qualities[parts.first ?? ""] ?? "stream \(key)")
        if parts.count > 1, parts[1].hasPrefix("timelapse") { text += ", timelapse " + parts[1].dropFirst(9) }
        return text
    }

    /// The hours of one stream, gaps between records filled with `missing` hours (not between clips).
    static func hours(_ records: [SegmentRecord], clips: Bool, verified: [String: (sha256: String, at: Int64)])
        -> [Hour]
    {
        var builder = HourBuilder(clips: clips)
        return records.flatMap { builder.add($0, verified: verified[$0.path]) }
    }
}

/// Turns one stream's records, oldest first, into hours as they come: the `missing` hours of a gap, then the
/// record's own.
struct HourBuilder {
    /// Event clips: the time between two is not missing, only not an event.
    var clips = false
    private var cursor: Int64?

    init(clips: Bool = false) { self.clips = clips }

    /// The hours `record` brings: those missing since the last record, then its own. `verified`: the hash its
    /// file had when last verified, and when.
    mutating func add(_ record: SegmentRecord, verified: (sha256: String, at: Int64)?) -> [ArchiveStatus.Hour] {
        let hour: Int64 = 3_600_000
        var result: [ArchiveStatus.Hour] = []
        if !clips, var gap = cursor, gap < record.start {
            while gap < record.start {
                let next = min(record.start, (gap / hour + 1) * hour)
                result.append(ArchiveStatus.Hour(start: gap, end: next, state: .missing))
                gap = next
            }
        }
        var item = ArchiveStatus.Hour(start: record.start, end: record.end, state: .missing)
        switch record.status {
        case .complete:
            item.path = record.path
            item.size = record.size
            item.sha256 = record.sha256
            if let verified, verified.sha256 == record.sha256 {
                item.state = .archived
                item.note = "verified " + TimeFormatting.iso(verified.at)
            } else {
                item.state = .unverified
            }
        case .empty:
            item.state = .empty
        case .failed:
            item.state = .failed
            item.path = record.path
            item.note = record.lastReason
        case .pruned:
            item.state = .pruned
            item.path = record.path
        case .missing:
            // Recorded complete once, found gone from the destination since.
            item.path = record.path
            item.note = record.lastReason
        case .short:
            item.state = .short
            item.path = record.path
            item.size = record.size
            item.note = record.lastReason
        }
        result.append(item)
        cursor = max(cursor ?? record.end, record.end)
        return result
    }
}
