import CompressNIO
import Foundation
import Logging
import NIOCore
import NIOSSL
import TestSupport
import Testing
import WSClient

/// One decoded websocket packet: the action frame and the data frame as JSON objects, and the raw bytes.
struct DecodedPacket: Sendable {
    var raw: [UInt8]
    var actionJSON: Data
    var dataJSON: Data
    var action: [String: Any] { (try? JSONSerialization.jsonObject(with: actionJSON)) as? [String: Any] ?? [:] }
    var data: [String: Any] { (try? JSONSerialization.jsonObject(with: dataJSON)) as? [String: Any] ?? [:] }
    var kind: String { "\(action["action"] as? String ?? "?") \(action["modelKey"] as? String ?? "?")" }
    var id: String { action["id"] as? String ?? "" }

    /// Decodes strictly: two frames in order, 8-byte headers, sizes adding up to the whole packet.
    init(_ bytes: [UInt8]) throws {
        raw = bytes
        var buffer = ByteBuffer(bytes: bytes)
        var payloads: [Data] = []
        for expected: UInt8 in [1, 2] {
            guard let type: UInt8 = buffer.readInteger(), type == expected,
                let format: UInt8 = buffer.readInteger(), format == 1,
                let deflated: UInt8 = buffer.readInteger(), let _: UInt8 = buffer.readInteger(),
                let size: Int32 = buffer.readInteger(endianness: .big),
                var payload = buffer.readSlice(length: Int(size))
            else { throw PacketError.malformed }
            if deflated == 1 { payload = try payload.decompress(with: .zlib()) }
            payloads.append(Data(buffer: payload))
        }
        guard buffer.readableBytes == 0 else { throw PacketError.malformed }
        actionJSON = payloads[0]
        dataJSON = payloads[1]
    }

    enum PacketError: Error { case malformed }
}

/// What one websocket session saw.
struct SocketSession: Sendable {
    var packets: [DecodedPacket]
    /// The close frame the server sent, nil when the connection just ended.
    var close: WebSocketCloseFrame?
    /// The client's error (e.g. a refused upgrade), described.
    var error: String?
    var seconds: Double
}

/// Collects packets across the client's handler.
actor PacketLog {
    private(set) var packets: [DecodedPacket] = []
    func append(_ packet: DecodedPacket) { packets.append(packet) }
}

extension Harness {
    /// Opens the private websocket with `cookie` and collects packets until `done` says so, the server closes, or
    /// `timeout` passes; `during` runs once the socket is open.
    func listen(
        cookie: String, lastUpdateID: String?, autoPing: Duration? = nil, timeout: Duration = .seconds(60),
        during: @escaping @Sendable () async throws -> Void = {},
        until done: @escaping @Sendable ([DecodedPacket]) -> Bool = { _ in false }
    ) async -> SocketSession {
        let host = endpoint.host
        let port = endpoint.port
        var url = "wss://\(host):\(port)/proxy/protect/ws/updates"
        if let lastUpdateID { url += "?lastUpdateId=\(lastUpdateID)" }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = WebSocketClientConfiguration(additionalHeaders: [.cookie: cookie])
        configuration.sniHostname = "localhost"
        if let autoPing { configuration.autoPing = .enabled(timePeriod: autoPing) }
        var logger = Logger(label: "test-socket")
        logger.logLevel = .critical
        let log = PacketLog()
        let state = simulator.state
        // `during` runs once the console has registered this socket (its connection counted): an event started
        // between the client's open and the server's registration would never reach the socket.
        let connectionsBefore = await state.currentStats().websocket.connections
        let started = ContinuousClock.now
        let outcome: (WebSocketCloseFrame?, String?) = await withTaskGroup(
            of: (WebSocketCloseFrame?, String?)?.self
        ) { group in
            group.addTask { [url, configuration, tls, logger] in
                do {
                    let close = try await WebSocketClient.connect(
                        url: url, configuration: configuration, tlsConfiguration: tls, logger: logger
                    ) { inbound, _, _ in
                        let helper = Task {
                            try await eventually("the console registered the socket", timeout: .seconds(30)) {
                                await state.currentStats().websocket.connections > connectionsBefore
                            }
                            try await during()
                        }
                        defer { helper.cancel() }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .binary(let buffer) = message else { continue }
                            await log.append(try DecodedPacket(Array(buffer: buffer)))
                            if done(await log.packets) { return }
                        }
                    }
                    return (close, nil)
                } catch {
                    return (nil, String(describing: error))
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? (nil, nil)
        }
        let elapsed = ContinuousClock.now - started
        return SocketSession(
            packets: await log.packets, close: outcome.0, error: outcome.1,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The bootstrap's `lastUpdateId` as a client reads it.
    func lastUpdateID(cookie: String) async throws -> String {
        let response = try await request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)])
        return (response.json() as? [String: Any])?["lastUpdateId"] as? String ?? ""
    }

    /// Asks the console for a live event now; returns what it decided.
    func startEvent(_ json: String) async throws -> StartedEvent {
        let response = try await request("/__sim/events", method: .POST, body: json)
        return try JSONDecoder().decode(StartedEvent.self, from: Data(response.body))
    }
}

/// A live event as `POST /__sim/events` describes it.
struct StartedEvent: Sendable, Decodable {
    var id: String
    var socketId: String
    var camera: String
    var type: String
    var milliseconds: Int64
    var closedOnAdd: Bool
    var linkedId: String?
}
