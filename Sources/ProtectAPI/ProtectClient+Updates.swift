import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import WSClient

/// How one session of the realtime websocket ended.
public struct UpdateSessionEnd: Sendable, Equatable {
    /// The close code the console sent, if it sent a close frame.
    public var code: Int?
    /// The close frame's reason (a stale `lastUpdateId` is named in it).
    public var reason: String?
    /// Packets received.
    public var packets: Int

    /// Whether the console refused the `lastUpdateId` it was given (a fresh bootstrap is then needed).
    public var staleUpdateID: Bool { reason?.contains("lastUpdateId") == true || (packets == 0 && code != nil) }
}

extension ProtectClient {
    /// Opens the console's realtime websocket (`/proxy/protect/ws/updates`) with this session's cookie and CSRF
    /// token and hands every decoded packet to `handle`, until the console closes the socket, `handle` returns
    /// false, the connection breaks (no close code), or the task is cancelled. With `ping`, a ping is sent every
    /// period and a socket that does not answer within one more is closed (a silent, half-open socket).
    ///
    /// A refused upgrade (the session ended) throws `ProtectError.httpError(status: 401, ...)` after one new login
    /// has been tried; a packet that cannot be read throws `ProtectError.invalidResponse`.
    public nonisolated func listen(
        lastUpdateID: String?, ping: Duration? = nil, onOpen: @escaping @Sendable () async -> Void = {},
        handle: @escaping @Sendable (UpdatePacket) async -> Bool
    ) async throws -> UpdateSessionEnd {
        guard generation == .unifiOS else {
            throw ProtectError.invalidResponse(reason: "a Protect 1.x console has no realtime websocket")
        }
        do {
            return try await openUpdates(lastUpdateID: lastUpdateID, ping: ping, onOpen: onOpen, handle: handle)
        } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
            // The usual cause is a session the console ended before its exp: one new login, one more try.
            try await sharedLogin()
            do {
                return try await openUpdates(lastUpdateID: lastUpdateID, ping: ping, onOpen: onOpen, handle: handle)
            } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                throw ProtectError.httpError(
                    status: 401, reason: "the console refused the realtime websocket", request: "ws/updates")
            }
        }
    }

    private nonisolated func openUpdates(
        lastUpdateID: String?, ping: Duration?, onOpen: @escaping @Sendable () async -> Void,
        handle: @escaping @Sendable (UpdatePacket) async -> Bool
    ) async throws -> UpdateSessionEnd {
        var path = "/proxy/protect/ws/updates"
        if let lastUpdateID, !lastUpdateID.isEmpty { path += "?lastUpdateId=\(lastUpdateID)" }
        var headers = HTTPHeaders()
        for (name, value) in try await authorization(forExport: false).headers { headers.add(name: name, value: value) }
        let host = configuration.host
        var serverName: String?
        if host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) {
            // TLS forbids an IP address as the server name; the name is only checked with --ca-file or the
            // system's authorities, which an address cannot pass anyway.
            switch configuration.certificateCheck {
            case .none, .pinned: serverName = "protect.console"
            case .system, .caFile:
                throw ProtectError.certificateRejected(
                    reason: "a console addressed by IP cannot have its name verified on the realtime websocket; "
                        + "use its DNS name, or pin its certificate")
            }
        }
        let received = PacketCounter()
        let channel = UpdateSocketChannel(
            host: host, port: port, path: path, headers: headers, sslContext: try NIOSSLContext(configuration: tls),
            serverName: serverName, autoPing: ping.map { .enabled(timePeriod: $0) } ?? .disabled,
            maxFrameSize: 1 << 22,
            handshakeTimeout: .milliseconds(Int64(max(1, configuration.timeouts.connect) * 1000) * 2)
        ) { inbound, _, _ in
            await onOpen()
            for try await message in inbound.messages(maxSize: 1 << 22) {
                guard case .binary(let buffer) = message else { continue }
                let packet: UpdatePacket
                do {
                    packet = try UpdatePacket.decode(Array(buffer: buffer))
                } catch let error as UpdatePacketError {
                    throw ProtectError.invalidResponse(reason: error.description, underlying: error)
                }
                await received.add()
                guard await handle(packet) else { return }
            }
        }
        let close: WebSocketCloseFrame?
        do {
            close = try await ClientConnection(
                channel, address: .hostname(host, port: port), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            ).run()
        } catch let error as NIOConnectionError {
            // The same sentence as any other connection that fails, never NIO's own text.
            throw Transport.translate(error)
        }
        return UpdateSessionEnd(
            code: close.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }, reason: close?.reason,
            packets: await received.count)
    }
}

/// Counts the packets of one session across the websocket client's handler.
private actor PacketCounter {
    private(set) var count = 0
    func add() { count += 1 }
}
