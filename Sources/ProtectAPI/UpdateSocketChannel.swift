import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import WSClient
@_spi(WSInternal) import WSCore

/// The realtime websocket's client channel: TLS, the HTTP upgrade with the session's headers, then frames.
///
/// It differs from WSClient's own channel in two ways a daemon needs: a refused upgrade closes its connection
/// (WSClient leaves it open, one socket leaked per refusal), and an upgrade the console never answers is given up
/// after `handshakeTimeout`.
struct UpdateSocketChannel: ClientConnectionChannel {
    /// What the upgrade came to.
    enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    /// The handler's context: only a logger.
    struct Context: WebSocketContext {
        let logger: Logger
    }

    typealias Value = EventLoopFuture<Upgrade>

    let host: String
    let port: Int
    let path: String
    let headers: HTTPHeaders
    let sslContext: NIOSSLContext
    let serverName: String?
    let autoPing: AutoPingSetup
    let maxFrameSize: Int
    let handshakeTimeout: TimeAmount
    let handler: WebSocketDataHandler<Context>

    func setup(channel: any NIOCore.Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var headers = self.headers
            let authority = port == 443 ? host : "\(host):\(port)"
            headers.replaceOrAdd(name: "Host", value: authority)
            headers.replaceOrAdd(name: "Origin", value: "https://\(authority)")
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                maxFrameSize: maxFrameSize,
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        .websocket(
                            try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                    }
                })
            let upgrade = NIOTypedHTTPClientUpgradeConfiguration(
                upgradeRequestHead: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers),
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    // The answer was not 101: this connection has nothing more to give.
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededFuture(.refused)
                })
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgrade)
            configuration.leftOverBytesStrategy = .forwardBytes
            let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverName ?? host)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                configuration: configuration)
            let deadline = channel.eventLoop.scheduleTask(in: handshakeTimeout) { channel.close(promise: nil) }
            result.whenComplete { _ in deadline.cancel() }
            return result
        }
    }

    func handle(value: Value, logger: Logger) async throws -> WebSocketCloseFrame? {
        switch try await value.get() {
        case .refused:
            throw WebSocketClientError.webSocketUpgradeFailed
        case .websocket(let channel):
            return try await WebSocketHandler.handle(
                type: .client,
                configuration: .init(
                    extensions: [], autoPing: autoPing, closeTimeout: .seconds(2), validateUTF8: false,
                    ignoreUncleanSSLShutdownErrors: true, maxFrameSize: maxFrameSize),
                asyncChannel: channel, context: Context(logger: logger), handler: handler)
        }
    }
}
