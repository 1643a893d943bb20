import CompressNIO
import Foundation
import NIOCore

/// One message of the console's private websocket (`/proxy/protect/ws/updates`): an action frame and a data frame,
/// each behind an 8-byte header (type, payload format, deflated flag, reserved, big-endian size).
public struct UpdatePacket: Sendable, Equatable {
    /// How a frame's payload is to be read (the header's second byte).
    public enum Format: UInt8, Sendable {
        case json = 1
        case utf8 = 2
        case buffer = 3
    }

    /// A frame's payload, inflated.
    public enum Payload: Sendable, Equatable {
        case json(Data)
        case text(String)
        case buffer([UInt8])

        /// The payload as a JSON object, when it is one.
        public var object: [String: Any]? {
            guard case .json(let data) = self else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
    }

    /// The action frame: what changed, on which object, and the update's id.
    public let action: UpdateAction
    /// The data frame: the whole object for `add`, the changed fields for `update`.
    public let data: Payload

    public init(action: UpdateAction, data: Payload) {
        self.action = action
        self.data = data
    }

    /// Reads a packet strictly: both frames in order, sizes adding up to the message, zlib or plain payloads.
    public static func decode(_ bytes: [UInt8]) throws -> UpdatePacket {
        var buffer = ByteBuffer(bytes: bytes)
        let actionFrame = try frame(from: &buffer, expecting: 1)
        let dataFrame = try frame(from: &buffer, expecting: 2)
        guard buffer.readableBytes == 0 else {
            throw UpdatePacketError.trailingBytes(buffer.readableBytes)
        }
        guard case .json(let actionData) = actionFrame,
            let object = (try? JSONSerialization.jsonObject(with: actionData)) as? [String: Any]
        else { throw UpdatePacketError.invalidAction }
        return UpdatePacket(action: try UpdateAction(object), data: dataFrame)
    }

    private static func frame(from buffer: inout ByteBuffer, expecting type: UInt8) throws -> Payload {
        guard let header = buffer.readBytes(length: 8) else { throw UpdatePacketError.truncated }
        guard header[0] == type else { throw UpdatePacketError.unexpectedFrame(type: header[0], expected: type) }
        guard let format = Format(rawValue: header[1]) else { throw UpdatePacketError.unknownFormat(header[1]) }
        let size = Int(Int32(bigEndian: header[4...7].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        guard size >= 0, var payload = buffer.readSlice(length: size) else { throw UpdatePacketError.truncated }
        if header[2] != 0 {
            do {
                payload = try payload.decompress(with: .zlib())
            } catch {
                throw UpdatePacketError.inflateFailed
            }
        }
        let bytes = Array(buffer: payload)
        switch format {
        case .json: return .json(Data(bytes))
        case .utf8: return .text(String(decoding: bytes, as: UTF8.self))
        case .buffer: return .buffer(bytes)
        }
    }

    /// Writes the packet, deflating both payloads (as consoles do) or not.
    public func encoded(deflated: Bool = true) throws -> [UInt8] {
        var output = ByteBuffer()
        let actionJSON = try JSONSerialization.data(withJSONObject: action.object, options: [.sortedKeys])
        let frames: [(UInt8, Format, [UInt8])] = [
            (1, .json, Array(actionJSON)),
            {
                switch data {
                case .json(let data): (2, .json, Array(data))
                case .text(let text): (2, .utf8, Array(text.utf8))
                case .buffer(let bytes): (2, .buffer, bytes)
                }
            }(),
        ]
        for (type, format, bytes) in frames {
            var payload = ByteBuffer(bytes: bytes)
            if deflated { payload = try payload.compress(with: .zlib()) }
            output.writeBytes([type, format.rawValue, deflated ? 1 : 0, 0])
            output.writeInteger(Int32(payload.readableBytes), endianness: .big)
            output.writeBuffer(&payload)
        }
        return Array(buffer: output)
    }
}

/// A packet's action frame.
public struct UpdateAction: Sendable, Equatable {
    /// `add`, `update` or `remove`.
    public let action: String
    /// `event`, `camera`, `nvr`, ...
    public let modelKey: String
    /// The object's id as sent (event ids may carry a `-<cameraId>` suffix).
    public let id: String
    /// This update's id: the `lastUpdateId` to resume from.
    public let newUpdateID: String

    public init(action: String, modelKey: String, id: String, newUpdateID: String) {
        self.action = action
        self.modelKey = modelKey
        self.id = id
        self.newUpdateID = newUpdateID
    }

    init(_ object: [String: Any]) throws {
        guard let action = object["action"] as? String, let modelKey = object["modelKey"] as? String,
            let id = object["id"] as? String, let updateID = object["newUpdateId"] as? String
        else { throw UpdatePacketError.invalidAction }
        self.init(action: action, modelKey: modelKey, id: id, newUpdateID: updateID)
    }

    var object: [String: Any] { ["action": action, "modelKey": modelKey, "id": id, "newUpdateId": newUpdateID] }

    /// The id as REST knows it: a `-<cameraId>` suffix removed when what precedes it is a 24-hex id or a UUID.
    public var normalizedID: String { Self.normalize(id) }

    /// See `normalizedID`.
    public static func normalize(_ id: String) -> String {
        let hex = Set("0123456789abcdefABCDEF")
        func isHexID(_ text: Substring) -> Bool { text.count == 24 && text.allSatisfy(hex.contains) }
        func isUUID(_ text: Substring) -> Bool { UUID(uuidString: String(text)) != nil }
        if id.count > 25, isHexID(id.prefix(24)), id[id.index(id.startIndex, offsetBy: 24)] == "-" {
            return String(id.prefix(24))
        }
        if id.count > 37, isUUID(id.prefix(36)), id[id.index(id.startIndex, offsetBy: 36)] == "-" {
            return String(id.prefix(36))
        }
        return id
    }
}

/// Why a websocket message could not be read as a packet.
public enum UpdatePacketError: Error, Equatable, CustomStringConvertible {
    case truncated
    case unexpectedFrame(type: UInt8, expected: UInt8)
    case unknownFormat(UInt8)
    case trailingBytes(Int)
    case inflateFailed
    case invalidAction

    public var description: String {
        switch self {
        case .truncated: "the websocket packet is shorter than its headers say"
        case .unexpectedFrame(let type, let expected):
            "the websocket packet has frame type \(type) where \(expected) belongs"
        case .unknownFormat(let format): "the websocket packet has an unknown payload format \(format)"
        case .trailingBytes(let count): "the websocket packet has \(count) bytes after its two frames"
        case .inflateFailed: "a websocket packet's payload could not be inflated"
        case .invalidAction: "a websocket packet's action frame lacks action, modelKey, id or newUpdateId"
        }
    }
}
