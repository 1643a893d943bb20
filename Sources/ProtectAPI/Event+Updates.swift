import Foundation

extension Event {
    /// The event an `add` packet of `modelKey: "event"` carries, with its id normalised to the REST id; nil for
    /// other packets or data that is not an event.
    public init?(added packet: UpdatePacket) {
        guard packet.action.modelKey == "event", packet.action.action == "add", case .json(let data) = packet.data,
            var event = try? JSONDecoder().decode(Event.self, from: data)
        else { return nil }
        event.id = UpdateAction.normalize(packet.action.id)
        self = event
    }

    /// The event after an `update` packet's changed fields are merged in (fields it does not carry are kept; a
    /// null `end` leaves the event running).
    public func applying(_ changes: [String: Any]) -> Event {
        var event = self
        if let end = changes["end"] as? NSNumber { event.end = end.int64Value }
        if let score = changes["score"] as? NSNumber { event.score = score.intValue }
        if let types = changes["smartDetectTypes"] as? [String] { event.smartDetectTypes = types }
        if let type = changes["type"] as? String { event.type = type }
        if let camera = changes["camera"] as? String { event.camera = camera }
        if let start = changes["start"] as? NSNumber { event.start = start.int64Value }
        return event
    }
}
