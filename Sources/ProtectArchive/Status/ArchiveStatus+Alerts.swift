import Foundation

extension ArchiveStatus {
    /// An open alert as `status` shows it: a condition raised and not yet recovered.
    public struct Alert: Sendable, Codable, Equatable {
        /// The kind, such as `camera-stale`, and its title.
        public var kind: String
        public var title: String
        public var console: String
        /// The camera's id or the file it is about; empty for the console itself.
        public var subject: String
        /// The camera's name, when it is about a camera.
        public var camera: String?
        /// When the condition was first seen (milliseconds since 1970).
        public var since: Int64
        public var detail: String

        public init(_ record: AlertRecord) {
            kind = record.key.kind.rawValue
            title = record.key.kind.title
            console = record.key.console
            subject = record.key.subject
            camera = record.label
            since = record.since
            detail = record.detail
        }
    }

    /// The open alerts the state keeps.
    static func openAlerts(_ state: ArchiveState) throws -> [Alert] {
        try state.alerts().filter { !$0.key.kind.isNotice && $0.raisedAt != nil }.map(Alert.init)
    }

    /// The alerts as the JSON array `status --json` writes (the same encoder as the whole picture's).
    static func json(_ alerts: [Alert]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(alerts), as: UTF8.self)
    }
}
