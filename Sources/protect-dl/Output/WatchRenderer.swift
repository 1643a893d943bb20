import Foundation
import ProtectAPI
import ProtectArchive

/// Turns what `watch` reports into lines: one per saved clip, connection changes, heartbeats, or JSON objects.
struct WatchRenderer: Sendable {
    let reporter: Reporter
    let json: Bool
    let quiet: Bool
    /// `-v`: a line per packet.
    let packets: Bool

    func render(_ event: WatchEvent) {
        switch event {
        case .connected(let from):
            line(["event": .string("connected"), "lastUpdateId": from.map { .string($0) } ?? .null]) {
                "connected to the realtime websocket" + (from.map { " (resuming after update \($0))" } ?? "")
            }
        case .disconnected(let reason, let retryIn):
            line(
                ["event": .string("disconnected"), "reason": .string(reason), "retryIn": .double(retryIn)], error: true
            ) {
                "websocket: \(reason); reconnecting in \(String(format: "%.1f", retryIn)) s"
            }
        case .packet(let action):
            guard packets else { return }
            line(
                [
                    "event": .string("packet"), "action": .string(action.action),
                    "modelKey": .string(action.modelKey), "id": .string(action.id),
                ]
            ) { "packet \(action.action) \(action.modelKey) \(action.id)" }
        case .queued(let event, let fromBackfill):
            guard packets || fromBackfill else { return }
            line(
                [
                    "event": .string("queued"), "id": .string(event.id), "type": .string(event.type),
                    "source": .string(fromBackfill ? "backfill" : "websocket"),
                ]
            ) { "queued \(event.type) \(event.id)\(fromBackfill ? " (found by the back-fill)" : "")" }
        case .backfill(let from, let to, let found, let queued):
            guard packets || queued > 0 else { return }
            line(
                [
                    "event": .string("backfill"), "from": .string(TimeFormatting.iso(from)),
                    "to": .string(TimeFormatting.iso(to)), "found": .int(Int64(found)), "queued": .int(Int64(queued)),
                ]
            ) { "back-fill: \(found) ended events since \(TimeFormatting.iso(from)), \(queued) queued" }
        case .clipSaved(let clip):
            var object = clipObject(clip)
            object["event"] = .string("saved")
            line(object) {
                let size = ByteCountFormatter.string(fromByteCount: clip.bytes, countStyle: .file)
                return "saved  \(clip.cameraName)  \(Self.kinds(clip.events))  \(TimeFormatting.iso(clip.start))  "
                    + "\(size)  \(clip.path)  (\(String(format: "%.1f", Double(clip.latency) / 1000)) s after its end)"
            }
        case .clipFailed(let clip, let reason, let retryIn):
            var object = clipObject(clip)
            object["event"] = .string("failed")
            object["reason"] = .string(reason)
            object["retryIn"] = retryIn.map { .double($0) } ?? .null
            line(object, error: true) {
                let next = retryIn.map { "tried again in \(Int($0)) s" } ?? "given up after \(clip.attempts) attempts"
                return "failed \(clip.cameraName)  \(Self.kinds(clip.events))  \(TimeFormatting.iso(clip.start)): "
                    + "\(reason); \(next)"
            }
        case .imageFailed(let path, let reason):
            line(["event": .string("imageFailed"), "path": .string(path), "reason": .string(reason)], error: true) {
                "image \(path) not saved: \(reason)"
            }
        case .heartbeat(let status):
            line([
                "event": .string("heartbeat"), "connection": .string(status.connection),
                "connections": .int(Int64(status.connections)), "packets": .int(Int64(status.packets)),
                "eventsEnded": .int(Int64(status.eventsEnded)), "saved": .int(Int64(status.clipsSaved)),
                "failed": .int(Int64(status.clipsFailed)), "abandoned": .int(Int64(status.eventsAbandoned)),
                "queued": .int(Int64(status.queued)), "inFlight": .int(Int64(status.inFlight)),
                "backfilled": .int(Int64(status.backfilled)), "bytes": .int(status.bytes),
            ]) {
                "heartbeat: \(status.connection) (\(status.connections) connections), \(status.packets) packets, "
                    + "\(status.eventsEnded) wanted events ended, \(status.clipsSaved) clips saved, "
                    + "\(status.clipsFailed) failed, \(status.queued) queued, \(status.inFlight) in flight, "
                    + "\(status.backfilled) found by back-fill"
            }
        case .hoursPass(let report):
            line(["event": .string("hours"), "line": .string(report.line)]) { report.line }
        case .notice(let text):
            line(["event": .string("notice"), "message": .string(text)], error: true) { text }
        }
    }

    /// The last line, once a signal stopped the daemon.
    func stopped(signal: Int32) {
        guard signal != 0 else { return }
        line(["event": .string("stopped")]) { "stopped; nothing left half-written" }
    }

    func line(_ object: [String: JSONValue], error: Bool = false, _ text: () -> String) {
        if json {
            reporter.emitJSON(object)
        } else if !quiet || error {
            reporter.emit(Sync.stamp() + text(), toStderr: error)
        }
    }

    func clipObject(_ clip: ClipReport) -> [String: JSONValue] {
        [
            "camera": .string(clip.cameraName), "cameraId": .string(clip.cameraID), "path": .string(clip.path),
            "start": .string(TimeFormatting.iso(clip.start)), "end": .string(TimeFormatting.iso(clip.end)),
            "bytes": .int(clip.bytes), "sha256": clip.sha256.map { .string($0) } ?? .null,
            "latencyMs": .int(clip.latency), "attempts": .int(Int64(clip.attempts)),
            "events": .objects(
                clip.events.map { event in
                    [
                        "id": .string(event.id), "type": .string(event.type),
                        "smartDetectTypes": .strings(event.smartDetectTypes), "score": .int(Int64(event.score)),
                        "start": .string(TimeFormatting.iso(event.start)),
                        "end": event.end.map { .string(TimeFormatting.iso($0)) } ?? .null,
                    ]
                }),
        ]
    }

    /// "motion", "smartDetectZone (person) 87"... for the events of a clip.
    static func kinds(_ events: [Event]) -> String {
        events.map { event in
            var text = event.type
            if !event.smartDetectTypes.isEmpty { text += " (\(event.smartDetectTypes.joined(separator: ",")))" }
            return text + " score \(event.score)"
        }.joined(separator: " + ")
    }
}
