import Foundation

/// What `status` tells of an archive's health: the open alerts and each camera's newest safe footage.
public struct AlertOverview: Sendable, Equatable {
    public var open: [AlertRecord]
    public var cameras: [CameraFootage]
    /// When it was read (milliseconds since 1970).
    public var now: Int64

    /// Reads both from the state.
    public static func load(state: ArchiveState, now: Int64) throws -> AlertOverview {
        AlertOverview(
            open: try state.alerts().filter { !$0.key.kind.isNotice && $0.raisedAt != nil },
            cameras: try state.cameraFootage(), now: now)
    }

    /// Lines for the terminal.
    public func text() -> String {
        var lines: [String] = []
        if open.isEmpty {
            lines.append("alerts: none open")
        } else {
            lines.append("alerts: \(open.count) open")
            for record in open {
                let about = record.label.map { ": \($0)" } ?? ""
                let lasted = AlertPayload.duration(Int(max(0, now - record.since) / 1000))
                lines.append(
                    "  [\(record.key.console)] \(record.key.kind.title)\(about), since "
                        + "\(AlertPayload.iso(record.since)) (\(lasted)): \(record.detail)")
            }
        }
        lines.append("newest safe footage:")
        for camera in cameras {
            var line = "  \(camera.name) (\(camera.cameraID)): "
            if let newest = camera.newest {
                line += "\(AlertPayload.iso(newest)), \(AlertPayload.duration(Int(max(0, now - newest) / 1000))) ago"
            } else {
                line += "none yet"
            }
            if camera.connected == false { line += "; the console says it is disconnected" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
