import Foundation
import ProtectAPI
import Testing

@testable import ProtectArchive

@Suite("watch's logic: the event tracker on real packets, reconnect waits, event rows")
struct WatchLogicTests {
    static func capturedPackets() throws -> [UpdatePacket] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // the file, its target, Tests, the clone
        let file = url.appendingPathComponent("shared/fixtures/uiprotect/sample_ws_messages.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        return try root.sorted { (Double($0.key) ?? 0) < (Double($1.key) ?? 0) }.map { _, value in
            let entry = try #require(value as? [String: Any])
            let text = try #require(entry["raw"] as? String)
            let raw = try #require(Data(base64Encoded: text))
            return try UpdatePacket.decode(Array(raw))
        }
    }

    @Test("The 131 real packets: 10 events arrive closed, 3 end by an update, none is unknown or ends twice")
    func realPackets() throws {
        var tracker = EventTracker()
        var closed: [Event] = []
        var endedByUpdate: [Event] = []
        var unknown: [String] = []
        for packet in try Self.capturedPackets() {
            switch tracker.apply(packet) {
            case .ended(let event, let arrivedClosed):
                if arrivedClosed { closed.append(event) } else { endedByUpdate.append(event) }
            case .unknown(let id): unknown.append(id)
            case .none, .started: break
            }
        }
        #expect(closed.count == 10)
        #expect(endedByUpdate.count == 3)
        #expect(unknown.isEmpty)
        #expect(Set(endedByUpdate.map(\.type)) == ["ring", "motion"])
        // The two motion events end with score 100, merged from their closing updates.
        #expect(endedByUpdate.filter { $0.type == "motion" }.allSatisfy { $0.score == 100 })
        let ring = try #require(endedByUpdate.first { $0.type == "ring" })
        #expect(try #require(ring.end) - ring.start == 1000)
        // Six camera events are still open when the capture ends (motion events and the three smart detections).
        #expect(tracker.open.count == 19 - 13)
        // Applying the capture twice ends nothing twice.
        for packet in try Self.capturedPackets() {
            if case .ended = tracker.apply(packet) { Issue.record("an event ended twice") }
        }
    }

    @Test("Ids with the camera suffix are the REST ids; an update for an unseen id asks for a fetch")
    func suffixesAndUnknowns() throws {
        let camera = "61ddb66b018e2703e7008c19"
        let id = "61f0a6d9009ae903e700134c"
        func packet(_ action: String, _ objectID: String, _ data: [String: Any]) throws -> UpdatePacket {
            UpdatePacket(
                action: UpdateAction(action: action, modelKey: "event", id: objectID, newUpdateID: UUID().uuidString),
                data: .json(try JSONSerialization.data(withJSONObject: data)))
        }
        var tracker = EventTracker()
        let add = try packet(
            "add", "\(id)-\(camera)", ["id": "\(id)-\(camera)", "type": "motion", "start": 1000, "camera": camera])
        #expect(tracker.apply(add) == .started(Event(id: id, type: "motion", start: 1000, end: nil, camera: camera)))
        let end = try packet("update", "\(id)-\(camera)", ["end": 5000, "score": 80])
        guard case .ended(let event, false) = tracker.apply(end) else {
            Issue.record("the update with an end did not end the event")
            return
        }
        #expect(event.id == id && event.end == 5000 && event.score == 80)
        #expect(
            tracker.apply(try packet("update", "ffffffffffffffffffffffff", ["score": 3]))
                == .unknown(id: "ffffffffffffffffffffffff"))
    }

    @Test("Reconnect waits follow the schedule with bounded jitter, the same for the same seed")
    func backoff() {
        var options = WatchOptions(destination: URL(fileURLWithPath: "/tmp"))
        options.backoff = [0, 5, 15, 30, 60]
        options.jitter = 0.2
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        for failures in 1...8 {
            let base = options.backoff[min(failures - 1, 4)]
            let wait = options.reconnectDelay(failures: failures, random: &first)
            #expect(wait >= base * 0.8 - 1e-9 && wait <= base * 1.2 + (failures > 5 ? 12 : 0) + 1e-9)
            #expect(wait == options.reconnectDelay(failures: failures, random: &second))
        }
        #expect(options.reconnectDelay(failures: 1, random: &first) == 0)
        #expect(options.retryDelay(attempts: 1) == 30 && options.retryDelay(attempts: 3) == 120)
        #expect(options.retryDelay(attempts: 30) == 1800)
    }

    @Test("Event rows: a saved clip records its events once; failures count up to the cap, then give up")
    func rows() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("watch-rows-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = try ArchiveState(destination: folder, clock: .fixed(1_000))
        let a = Event(id: "a", type: "motion", start: 100, end: 900, camera: "cam", score: 50)
        let b = Event(
            id: "b", type: "smartDetectZone", start: 200, end: 800, camera: "cam", smartDetectTypes: ["person"])
        for _ in 0..<2 {
            try state.recordEventPiece(
                stream: "event:0", cameraID: "cam", start: 100, end: 900, path: "clip.mp4", size: 10, sha256: "00",
                duration: 0.8)
            try state.recordEventsSaved([a, b], path: "clip.mp4", size: 10, sha256: "00")
        }
        #expect(try state.events().map(\.id) == ["b", "a"])
        #expect(try state.event(id: "b")?.smartTypes == "person")
        #expect(try state.segments(status: .complete).map(\.stream) == ["event:0"])
        let c = Event(id: "c", type: "ring", start: 0, end: 1000, camera: "cam")
        #expect(try state.recordEventFailure(c, reason: "no", cap: 3).status == .failed)
        #expect(try state.recordEventFailure(c, reason: "no", cap: 3).status == .failed)
        let last = try state.recordEventFailure(c, reason: "still no", cap: 3)
        #expect(last.status == .abandoned && last.attempts == 3 && last.lastReason == "still no")
        #expect(
            ExportVariant(streamKey: "event:package+timelapse60x")
                == ExportVariant(packageLens: true, timelapseSpeed: 60))
    }
}
