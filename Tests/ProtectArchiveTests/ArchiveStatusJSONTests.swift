import Foundation
import Testing

@testable import ProtectArchive

@Suite("status --json streamed from the state")
struct ArchiveStatusJSONTests {
    /// Two cameras (one with a name that needs escaping), three streams: verified, unverified (verified with an old
    /// hash), failed with an awkward reason, empty, pruned, and gaps of missing hours.
    func sampleState() throws -> (ArchiveState, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-status-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let state = try ArchiveState(destination: folder)
        let hour: Int64 = 3_600_000
        let base: Int64 = 1_790_000_000_000 / hour * hour
        try state.recordCameras([("cam-a", "Zed / \"yard\"\t\u{01}é"), ("cam-b", "alpha")])
        try state.setMeta("timezone", "Europe/Berlin")
        for index in 0..<5 {
            try state.recordComplete(
                cameraID: "cam-a", stream: "0", start: base + Int64(index) * hour, end: base + Int64(index + 1) * hour,
                path: "a/\(index).mp4", size: 1_000 + Int64(index), sha256: String(repeating: "\(index)", count: 64),
                adopted: false)
        }
        try state.recordVerified([("a/0.mp4", String(repeating: "0", count: 64)), ("a/1.mp4", "old")], at: base + 99)
        try state.recordOutcome(
            cameraID: "cam-a", stream: "0", start: base + 8 * hour, end: base + 9 * hour, path: "a/8.mp4",
            status: .failed, reason: "HTTP 500: \"busy\"\nagain \\ later", attempts: 3)
        try state.recordOutcome(
            cameraID: "cam-a", stream: "1", start: base, end: base + hour / 2, path: "a/s1.mp4", status: .empty,
            reason: nil, attempts: 1)
        try state.recordComplete(
            cameraID: "cam-b", stream: "0", start: base + hour + 60_000, end: base + 2 * hour, path: "b/0.mp4",
            size: 7, sha256: "b", adopted: true)
        try state.recordComplete(
            cameraID: "cam-b", stream: "0", start: base + 5 * hour, end: base + 6 * hour, path: "b/5.mp4", size: 9,
            sha256: "c", adopted: false)
        try state.recordPruned(cameraID: "cam-b", stream: "0", start: base + 5 * hour)
        return (state, folder)
    }

    func streamed(_ state: ArchiveState, cameras: [String] = []) throws -> (text: String, pieces: Int) {
        var text = ""
        var pieces = 0
        try ArchiveStatus.writeJSON(state: state, cameras: cameras) { piece in
            text += piece
            pieces += 1
        }
        return (text, pieces)
    }

    @Test("The streamed JSON is byte for byte what encoding the loaded picture gives, with and without --cameras")
    func sameAsEncoded() throws {
        let (state, folder) = try sampleState()
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for cameras in [[], ["ALPHA"], ["cam-a"], ["nobody"]] {
            let loaded = try ArchiveStatus.load(state: state, cameras: cameras)
            let text = try streamed(state, cameras: cameras).text
            #expect(text == String(decoding: try encoder.encode(loaded), as: UTF8.self), "\(cameras)")
            #expect(try JSONDecoder().decode(ArchiveStatus.self, from: Data(text.utf8)) == loaded)
        }
        // With an open alert, both ways still agree.
        try state.saveAlerts(
            [
                AlertRecord(
                    key: AlertKey(.cameraStale, console: "c/1", subject: "cam-a"), since: 5, raisedAt: 6,
                    detail: "\"old\"")
            ],
            removing: [])
        let withAlert = try ArchiveStatus.load(state: state)
        #expect(withAlert.alerts.map(\.kind) == ["camera-stale"])
        #expect(try streamed(state).text == String(decoding: try encoder.encode(withAlert), as: UTF8.self))
        let all = try ArchiveStatus.load(state: state)
        #expect(all.totals == ["archived": 1, "unverified": 5, "failed": 1, "missing": 6, "empty": 1, "pruned": 1])
        #expect(all.cameras.map(\.name) == ["alpha", "Zed / \"yard\"\t\u{01}é", "Zed / \"yard\"\t\u{01}é"])
    }

    @Test("Many hours go out in pieces, and a sink that throws stops the writing with its own error")
    func piecesAndStop() throws {
        let (state, folder) = try sampleState()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hour: Int64 = 3_600_000
        let base: Int64 = 1_790_000_000_000 / hour * hour
        for index in 20..<2_020 {
            try state.recordComplete(
                cameraID: "cam-b", stream: "0", start: base + Int64(index) * hour, end: base + Int64(index + 1) * hour,
                path: "b/\(index).mp4", size: 1, sha256: String(repeating: "f", count: 64), adopted: false)
        }
        let result = try streamed(state)
        #expect(result.pieces > 3)
        #expect(
            try JSONDecoder().decode(ArchiveStatus.self, from: Data(result.text.utf8)).totals["unverified"] == 2_005)
        struct Closed: Error {}
        var calls = 0
        #expect(throws: Closed.self) {
            try ArchiveStatus.writeJSON(state: state) { _ in
                calls += 1
                throw Closed()
            }
        }
        #expect(calls == 1)
    }

    @Test("An event archive is clips on a time line: the hours between events are not missing; labels are human")
    func eventClips() throws {
        let (state, folder) = try sampleState()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hour: Int64 = 3_600_000
        let base: Int64 = 1_790_000_000_000 / hour * hour
        // Three clips hours apart, and one file found gone since.
        for (index, offset) in [Int64(0), 3 * hour + 60_000, 9 * hour].enumerated() {
            try state.recordComplete(
                cameraID: "cam-b", stream: "event:0", start: base + offset, end: base + offset + 20_000,
                path: "events/\(index).mp4", size: 100, sha256: String(repeating: "e", count: 64), adopted: false)
        }
        try state.recordMissing(paths: ["events/2.mp4"], reason: "gone from the destination (found by verify)")
        try state.setMeta(ArchiveStatus.lastPassKey, String(base + 10 * hour))
        let loaded = try ArchiveStatus.load(state: state, cameras: ["alpha"])
        let clips = try #require(loaded.cameras.first { $0.stream == "event:0" })
        #expect(clips.clips && clips.label == "event clips, high quality")
        #expect(clips.hours.map(\.state) == [.unverified, .unverified, .missing])
        #expect(clips.totals == ["unverified": 2, "missing": 1])
        #expect(clips.hours.last?.note?.contains("found by verify") == true)
        let hours = try #require(loaded.cameras.first { $0.stream == "0" })
        #expect(!hours.clips && hours.label == "hours, high quality")
        #expect(ArchiveStatus.label("1+timelapse60x") == "hours, medium quality, timelapse 60x")
        #expect(loaded.lastPass == base + 10 * hour)
        // The streamed JSON says the same.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(
            try streamed(state, cameras: ["alpha"]).text == String(decoding: try encoder.encode(loaded), as: UTF8.self))
        // The terminal: a label, an hour axis, the last pass in the console's zone without milliseconds.
        let text = loaded.text(colour: false)
        #expect(text.contains("alpha (cam-b, event clips, high quality): 3 clips:"), "\(text)")
        #expect(text.contains("  hour       00 03 06 09 12 15 18 21 "), "\(text)")
        #expect(!text.contains(".000Z") && text.contains("last pass: "), "\(text)")
    }
}
