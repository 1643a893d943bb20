import Foundation
import ProtectAPI
import TestSupport
import Testing

@Suite("The websocket's binary packets, on all 131 real ones")
struct UpdatePacketTests {
    /// The capture: (seconds since start, raw packet, the action and data frames as the capture decoded them).
    static func capture() throws -> [(Double, [UInt8], [String: Any], Any)] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // the file, its target, Tests, the clone
        let file = url.appendingPathComponent("shared/fixtures/uiprotect/sample_ws_messages.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        return try root.map { key, value in
            let entry = try #require(value as? [String: Any])
            let text = try #require(entry["raw"] as? String)
            let raw = try #require(Data(base64Encoded: text))
            return (
                try #require(Double(key)), Array(raw), try #require(entry["action"] as? [String: Any]),
                entry["data"] as Any
            )
        }.sorted { $0.0 < $1.0 }
    }

    /// A JSON value written with sorted keys, to compare documents whatever their key order.
    static func canonical(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    }

    @Test("Every packet decodes to the frames the capture holds; 3 updates end an event, 10 events arrive closed")
    func realPackets() throws {
        let packets = try Self.capture()
        #expect(packets.count == 131)
        var endingUpdates: [String] = []
        var closedAdds = 0
        var models: [String: Int] = [:]
        var updateIDs: Set<String> = []
        for (_, raw, action, data) in packets {
            let packet = try UpdatePacket.decode(raw)
            #expect(packet.action.action == action["action"] as? String)
            #expect(packet.action.modelKey == action["modelKey"] as? String)
            #expect(packet.action.id == action["id"] as? String)
            #expect(packet.action.newUpdateID == action["newUpdateId"] as? String)
            let object = try #require(packet.data.object)
            #expect(try Self.canonical(object) == Self.canonical(data))
            models["\(packet.action.action) \(packet.action.modelKey)", default: 0] += 1
            updateIDs.insert(packet.action.newUpdateID)
            guard packet.action.modelKey == "event", let end = object["end"], !(end is NSNull) else { continue }
            if packet.action.action == "update" { endingUpdates.append(packet.action.normalizedID) }
            if packet.action.action == "add" { closedAdds += 1 }
        }
        #expect(endingUpdates.count == 3)
        #expect(Set(endingUpdates).count == 3)
        #expect(closedAdds == 10)
        #expect(updateIDs.count == 131)
        #expect(models["update camera"] == 60 && models["add event"] == 19 && models["update event"] == 6)
    }

    @Test("Packets round-trip with and without compression")
    func roundTrip() throws {
        for (_, raw, _, _) in try Self.capture().prefix(20) {
            let packet = try UpdatePacket.decode(raw)
            for deflated in [true, false] {
                let again = try UpdatePacket.decode(try packet.encoded(deflated: deflated))
                #expect(again.action == packet.action)
                #expect(try Self.canonical(again.data.object ?? [:]) == Self.canonical(packet.data.object ?? [:]))
            }
        }
        let text = UpdatePacket(
            action: UpdateAction(action: "update", modelKey: "nvr", id: "n", newUpdateID: "u"), data: .text("héllo"))
        #expect(try UpdatePacket.decode(try text.encoded()) == text)
        let bytes = UpdatePacket(
            action: UpdateAction(action: "update", modelKey: "nvr", id: "n", newUpdateID: "u"),
            data: .buffer([0, 1, 2]))
        #expect(try UpdatePacket.decode(try bytes.encoded(deflated: false)) == bytes)
    }

    @Test("Malformed packets are refused with the reason")
    func malformed() throws {
        let raw = try #require(try Self.capture().first?.1)
        #expect(throws: UpdatePacketError.truncated) { try UpdatePacket.decode(Array(raw.dropLast())) }
        #expect(throws: UpdatePacketError.trailingBytes(1)) { try UpdatePacket.decode(raw + [0]) }
        var swapped = raw
        swapped[0] = 2
        #expect(throws: UpdatePacketError.unexpectedFrame(type: 2, expected: 1)) { try UpdatePacket.decode(swapped) }
        var corrupt = raw
        corrupt[9] ^= 0xFF
        #expect(throws: UpdatePacketError.inflateFailed) { try UpdatePacket.decode(corrupt) }
        #expect(throws: UpdatePacketError.truncated) { try UpdatePacket.decode([1, 1, 1]) }
    }

    @Test("Ids: a -<cameraId> suffix is removed from 24-hex ids and UUIDs, nothing else")
    func normalizedIDs() {
        let hex = "8d9bae8359268f6048d92ed3"
        let camera = "1ee3895eb4ef2170046f9f2c"
        let uuid = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
        #expect(UpdateAction.normalize("\(hex)-\(camera)") == hex)
        #expect(UpdateAction.normalize(hex) == hex)
        #expect(UpdateAction.normalize("\(uuid)-\(camera)") == uuid)
        #expect(UpdateAction.normalize(uuid) == uuid, "a UUID's own dashes are kept")
        #expect(UpdateAction.normalize("short-\(camera)") == "short-\(camera)")
    }
}
