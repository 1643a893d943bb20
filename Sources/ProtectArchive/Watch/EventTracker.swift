import ProtectAPI

/// Follows events through the websocket's packets: a cache of open events merged from updates, and the moment
/// each one ends (the first `add` or `update` that carries a non-null `end`).
public struct EventTracker: Sendable {
    /// What one packet meant for the events.
    public enum Outcome: Sendable, Equatable {
        /// Not about an event, or nothing that matters yet.
        case none
        /// An event began (it is cached until it ends).
        case started(Event)
        /// An event ended: in this packet's `add` (it arrived closed) or in an update.
        case ended(Event, arrivedClosed: Bool)
        /// An update for an event this cache never saw start: it must be fetched over REST.
        case unknown(id: String)
    }

    /// Open events by REST id.
    public private(set) var open: [String: Event] = [:]
    /// Ids that have ended recently, so a second update carrying `end` is not a second ending.
    private var ended: [String: Int] = [:]
    private var endedOrder: [String] = []
    /// At most this many open events are kept (the oldest starts go first); consoles keep 512.
    public let capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// Applies one packet.
    public mutating func apply(_ packet: UpdatePacket) -> Outcome {
        let action = packet.action
        guard action.modelKey == "event" else { return .none }
        let id = action.normalizedID
        switch action.action {
        case "add":
            guard let event = Event(added: packet) else { return .none }
            return track(event, arrivedClosed: true)
        case "update":
            guard let changes = packet.data.object else { return .none }
            guard let current = open[id] else {
                return ended[id] != nil ? .none : .unknown(id: id)
            }
            let merged = current.applying(changes)
            return track(merged, arrivedClosed: false)
        case "remove":
            open[id] = nil
            return .none
        default:
            return .none
        }
    }

    /// Adds an event learned elsewhere (over REST, for an unknown id); says whether it has ended.
    public mutating func learn(_ event: Event) -> Outcome {
        guard ended[event.id] == nil else { return .none }
        return track(event, arrivedClosed: false)
    }

    private mutating func track(_ event: Event, arrivedClosed: Bool) -> Outcome {
        if ended[event.id] != nil { return .none }
        if event.end != nil {
            let wasOpen = open.removeValue(forKey: event.id) != nil
            remember(event.id)
            return .ended(event, arrivedClosed: arrivedClosed && !wasOpen)
        }
        let isNew = open[event.id] == nil
        open[event.id] = event
        if open.count > capacity, let oldest = open.values.min(by: { $0.start < $1.start }) {
            open[oldest.id] = nil
        }
        return isNew ? .started(event) : .none
    }

    private mutating func remember(_ id: String) {
        ended[id] = endedOrder.count
        endedOrder.append(id)
        if endedOrder.count > capacity * 2 {
            for old in endedOrder.prefix(capacity) { ended[old] = nil }
            endedOrder.removeFirst(capacity)
        }
    }
}
