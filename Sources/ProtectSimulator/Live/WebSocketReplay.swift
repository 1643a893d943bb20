import Foundation
import NIOCore
import WSCore

/// A captured websocket session (uiprotect's `sample_ws_messages.json`: seconds since capture start → `{raw}`),
/// sent to each client byte for byte with its timing.
struct WebSocketReplay: Sendable {
    /// The packets in capture order, each with its offset from the first in seconds.
    let packets: [(offset: Double, bytes: [UInt8])]

    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError.invalidFile("The websocket capture \(path) could not be read.")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SimulatorError.invalidFile("The websocket capture \(path) is not a JSON object of packets.")
        }
        var packets: [(Double, [UInt8])] = []
        for (key, value) in root {
            guard let moment = Double(key), let entry = value as? [String: Any], let raw = entry["raw"] as? String,
                let bytes = Data(base64Encoded: raw)
            else {
                throw SimulatorError.invalidFile(
                    "The websocket capture \(path) has an entry \(key) without a base64 \"raw\" packet.")
            }
            packets.append((moment, Array(bytes)))
        }
        packets.sort { $0.0 < $1.0 }
        let first = packets.first?.0 ?? 0
        self.packets = packets.map { (offset: $0.0 - first, bytes: $0.1) }
    }

    /// Sends every packet at its moment (divided by `speed`), counting each.
    func send(to outbound: WebSocketOutboundWriter, speed: Double, feed: LiveFeed) async throws {
        let start = ContinuousClock.now
        for packet in packets {
            let due = start + .milliseconds(Int64(packet.offset / max(speed, 0.001) * 1000))
            try await Task.sleep(until: due, clock: .continuous)
            try await outbound.write(.binary(ByteBuffer(bytes: packet.bytes)))
            await feed.countSent()
        }
    }
}
