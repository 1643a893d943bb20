import Foundation
import ProtectAPI

/// The message every channel sends, as JSON (webhook body, `--on-alert` stdin): schema `protect-dl.alert/1`.
/// Fields are only ever added within a schema version.
public struct AlertPayload: Sendable, Codable, Equatable {
    public static let schemaVersion = "protect-dl.alert/1"

    public var schema = Self.schemaVersion
    /// `raised`, `reminder`, `recovered`, `notice`, `test` or `summary`.
    public var event: String
    /// The condition, such as `console-unreachable` (see `AlertKind`); `test` for `notify test`, `summary` for a
    /// summary.
    public var kind: String
    /// The console's name (`default` for the command line's only console).
    public var console: String
    /// The camera id (or file) it is about; empty for the console itself.
    public var subject: String
    /// The camera's name, when it is about a camera.
    public var camera: String?
    /// One line: `[console] title: camera`, with the phase.
    public var title: String
    /// Sentences for a person: what is wrong (or that it recovered) and since when.
    public var message: String
    /// When the condition began, and when this message was sent (ISO 8601, UTC).
    public var since: String
    public var at: String
    /// Seconds the condition has lasted.
    public var durationSeconds: Int
    /// Reminders sent before this message.
    public var reminders: Int
    /// The machine protect-dl runs on.
    public var host: String
    /// The figures of a `summary` (absent from other events).
    public var summary: AlertSummary?

    enum CodingKeys: String, CodingKey {
        case schema, event, kind, console, subject, camera, title, message, since, at, reminders, host, summary
        case durationSeconds = "duration_seconds"
    }

    public init(_ message: AlertMessage, host: String = ProcessInfo.processInfo.hostName) {
        let record = message.record
        let key = record.key
        event = message.phase.rawValue
        kind = key.kind.rawValue
        console = key.console
        subject = key.subject
        camera = record.label
        since = Self.iso(record.since)
        at = Self.iso(message.at)
        durationSeconds = Int(max(0, message.at - record.since) / 1000)
        reminders = record.reminders
        self.host = host
        let about = record.label.map { ": \($0)" } ?? ""
        let lasted = Self.duration(durationSeconds)
        switch message.phase {
        case .raised, .notice:
            title = "[\(key.console)] \(key.kind.title)\(about)"
            self.message = record.detail
        case .reminder:
            title = "[\(key.console)] still: \(key.kind.title)\(about)"
            self.message = "\(record.detail) (for \(lasted) now)"
        case .recovered:
            title = "[\(key.console)] recovered: \(key.kind.title)\(about)"
            self.message = "Recovered after \(lasted)." + (record.detail.isEmpty ? "" : " \(record.detail)")
        case .summary:
            kind = "summary"
            title = "[\(key.console)] \(key.subject) summary"
            self.message = record.detail
            summary = message.summary
        case .test:
            title = "[\(key.console)] \(record.detail.split(separator: ".").first.map(String.init) ?? "protect-dl")"
            self.message = record.detail
        }
    }

    /// The body as JSON bytes (keys sorted, so a signature is reproducible).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    static func iso(_ milliseconds: Int64) -> String {
        let f = TimeFormatting.fields(milliseconds, in: .fixed(seconds: 0))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", f.year, f.month, f.day, f.hour, f.minute, f.second)
    }

    /// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        if seconds < 86_400 {
            return "\(seconds / 3600) h" + (seconds % 3600 >= 60 ? " \(seconds % 3600 / 60) min" : "")
        }
        return "\(seconds / 86_400) d" + (seconds % 86_400 >= 3600 ? " \(seconds % 86_400 / 3600) h" : "")
    }
}
