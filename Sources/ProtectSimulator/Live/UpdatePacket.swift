import CompressNIO
import Foundation
import NIOCore

/// One binary message of the console's private websocket: an action frame and a data frame, each behind an 8-byte
/// header (type, payload format, deflated flag, reserved, big-endian size), each payload zlib-deflated JSON.
enum UpdatePacket {
    /// Frame types of the header's first byte.
    static let actionFrame: UInt8 = 1
    static let dataFrame: UInt8 = 2
    /// Payload formats of the header's second byte.
    static let jsonFormat: UInt8 = 1

    /// Encodes one packet from the two JSON documents, deflating both payloads as consoles do.
    static func encode(action: Data, data: Data, deflated: Bool = true) -> ByteBuffer {
        var packet = ByteBuffer()
        for (type, payload) in [(actionFrame, action), (dataFrame, data)] {
            var body = ByteBuffer(bytes: payload)
            if deflated, let compressed = try? body.compress(with: .zlib()) {
                body = compressed
            }
            packet.writeInteger(type)
            packet.writeInteger(jsonFormat)
            packet.writeInteger(UInt8(deflated ? 1 : 0))
            packet.writeInteger(UInt8(0))
            packet.writeInteger(Int32(body.readableBytes), endianness: .big)
            packet.writeBuffer(&body)
        }
        return packet
    }

    /// The action frame's JSON, with the keys real consoles send.
    static func actionJSON(action: String, modelKey: String, id: String, newUpdateID: String) -> Data {
        Data(
            #"{"action":"\#(action)","newUpdateId":"\#(newUpdateID)","modelKey":"\#(modelKey)","id":"\#(id)"}"#.utf8)
    }
}
