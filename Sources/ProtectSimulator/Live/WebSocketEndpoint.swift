import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore

/// The console's private websocket, `/proxy/protect/ws/updates?lastUpdateId=…`: authenticated by the session
/// cookie, it sends every update as a binary packet, and plays the websocket faults.
struct WebSocketEndpoint: Sendable {
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    static let path = "/proxy/protect/ws/updates"

    let state: ConsoleState
    let configuration: SimulatorConfiguration
    let replay: WebSocketReplay?

    /// Decides an upgrade: declined (the websocket route then answers 401) without a valid session or under the 401
    /// fault; accepted and closed at once for a stale `lastUpdateId`; otherwise a live (or replayed) socket.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) async -> ShouldUpgradeResult<Handler> {
        guard configuration.mode == .unifiOS, let target = request.path else { return .dontUpgrade }
        let pathAndQuery = target.split(separator: "?", maxSplits: 1).map(String.init)
        guard pathAndQuery.first == Self.path else { return .dontUpgrade }
        let feed = state.feed
        let token = AuthenticationMiddleware.cookie(
            named: configuration.authentication.cookieName, in: request.headerFields)
        guard case .valid = await state.useSession(token: token, csrf: nil, isWrite: false) else {
            await feed.countRefused()
            return .dontUpgrade
        }
        if await state.takeFault(\.websocketUnauthorizedCount) {
            // The session ends here, as when a console ends it before its JWT's exp.
            if let token { await state.logout(token: token) }
            await feed.countRefused()
            return .dontUpgrade
        }
        let query = QueryParameters(pathAndQuery.count > 1 ? pathAndQuery[1] : "")
        let lastUpdateID = query.first("lastUpdateId")
        let staleFault = await state.takeFault(\.staleUpdateIDCount)
        let known = await feed.accepts(lastUpdateID: lastUpdateID)
        if staleFault || !known {
            return .upgrade([:]) { _, outbound, _ in
                await feed.countStaleClose()
                // A moment after the upgrade, before any update: a close in the same segment as the 101 answer
                // can be lost by clients still switching protocols.
                try await Task.sleep(for: .milliseconds(100))
                try await outbound.close(.policyViolation, reason: "lastUpdateId is not valid anymore")
            }
        }
        if let replay {
            let speed = configuration.live.replaySpeed
            return .upgrade([:]) { inbound, outbound, _ in
                await feed.countReplayConnection()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await _ in inbound {} }
                    try await replay.send(to: outbound, speed: speed, feed: feed)
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        let stalled = await state.takeFault(\.stalledWebsocketCount)
        return .upgrade([:]) { inbound, outbound, _ in
            let (id, packets) = await feed.subscribe(stalled: stalled) { channel.close(promise: nil) }
            // A connection that ends (the client left, a ping timeout) ends the subscription with it.
            channel.closeFuture.whenComplete { _ in Task { await feed.unsubscribe(id) } }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Reading answers pings; a stalled socket stops reading, so its pings go unanswered.
                        var iterator = inbound.makeAsyncIterator()
                        while true {
                            if await feed.isStalled(id) {
                                try await Task.sleep(for: .seconds(86_400))
                            }
                            guard try await iterator.next() != nil else { return }
                        }
                    }
                    group.addTask {
                        for await packet in packets {
                            try await outbound.write(.binary(packet))
                            await feed.countSent()
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                await feed.unsubscribe(id)
                throw error
            }
            await feed.unsubscribe(id)
        }
    }
}
