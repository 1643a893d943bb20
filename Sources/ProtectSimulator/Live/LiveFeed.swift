import Foundation
import NIOCore

/// Counters of the private websocket, merged into `GET /__sim/stats`.
public struct WebSocketStats: Sendable, Codable, Equatable {
    /// Upgrades accepted.
    public var connections = 0
    /// Sockets open now.
    public var open = 0
    /// Upgrades answered with 401.
    public var refused = 0
    /// Sockets closed at once for a stale `lastUpdateId`.
    public var staleClosed = 0
    /// Packets written to clients (a packet sent to two clients counts twice).
    public var packetsSent = 0
    /// Updates published (each with its own `newUpdateId`).
    public var updatesPublished = 0
    public init() {}
}

/// The console's stream of updates: the `lastUpdateId` chain and every open websocket that receives them.
actor LiveFeed {
    /// One connected websocket.
    private struct Subscriber {
        var continuation: AsyncStream<ByteBuffer>.Continuation
        var close: @Sendable () -> Void
        var stalled: Bool
    }

    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriberID = 0
    private(set) var lastUpdateID = UUID().uuidString.lowercased()
    /// Ids this console handed out recently; a client resuming from one of them is accepted.
    private var knownIDs: Set<String> = []
    private var knownOrder: [String] = []
    private(set) var stats = WebSocketStats()

    init() {
        knownIDs.insert(lastUpdateID)
        knownOrder.append(lastUpdateID)
    }

    private func remember(_ id: String) {
        knownIDs.insert(id)
        knownOrder.append(id)
        if knownOrder.count > 10_000 {
            knownIDs.remove(knownOrder.removeFirst())
        }
    }

    /// Whether a client may resume from `id` (nil: no id given, which consoles accept).
    func accepts(lastUpdateID id: String?) -> Bool {
        guard let id, !id.isEmpty else { return true }
        return knownIDs.contains(id)
    }

    /// Publishes one update to every open socket that is not stalled; returns its `newUpdateId`.
    @discardableResult
    func publish(action: String, modelKey: String, id: String, data: Data) -> String {
        let updateID = UUID().uuidString.lowercased()
        lastUpdateID = updateID
        remember(updateID)
        stats.updatesPublished += 1
        let packet = UpdatePacket.encode(
            action: UpdatePacket.actionJSON(action: action, modelKey: modelKey, id: id, newUpdateID: updateID),
            data: data)
        for (_, subscriber) in subscribers where !subscriber.stalled {
            subscriber.continuation.yield(packet)
        }
        return updateID
    }

    /// Registers a socket; the stream yields the packets to write to it.
    func subscribe(stalled: Bool, close: @escaping @Sendable () -> Void) -> (Int, AsyncStream<ByteBuffer>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(4096))
        nextSubscriberID += 1
        subscribers[nextSubscriberID] = Subscriber(continuation: continuation, close: close, stalled: stalled)
        stats.connections += 1
        stats.open += 1
        return (nextSubscriberID, stream)
    }

    func unsubscribe(_ id: Int) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        subscriber.continuation.finish()
        stats.open -= 1
    }

    /// Whether a socket has gone silent (it then neither sends nor answers pings).
    func isStalled(_ id: Int) -> Bool { subscribers[id]?.stalled ?? false }

    func countSent() { stats.packetsSent += 1 }
    func countRefused() { stats.refused += 1 }
    func countStaleClose() { stats.staleClosed += 1 }
    func countReplayConnection() {
        stats.connections += 1
    }

    /// Every open socket goes silent, as a half-open connection does.
    func stallAll() {
        for id in subscribers.keys { subscribers[id]?.stalled = true }
    }

    /// Closes every socket's connection abruptly (no close frame), as a network drop does.
    func dropAll() {
        for subscriber in subscribers.values {
            subscriber.continuation.finish()
            subscriber.close()
        }
    }

    /// A restarted console: every socket dropped, and a new `lastUpdateId` chain that no client knows.
    func restart() {
        dropAll()
        knownIDs.removeAll()
        knownOrder.removeAll()
        lastUpdateID = UUID().uuidString.lowercased()
        remember(lastUpdateID)
    }
}
