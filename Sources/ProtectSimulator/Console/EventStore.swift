import Foundation

/// A motion or smart-detection event as the console keeps it.
struct SimulatedEvent: Sendable {
    var id: String
    var type: String
    var start: Int64
    var end: Int64?
    var camera: String?
    var score: Int
    var smartDetectTypes: [String]
    var smartDetectEvents: [String] = []
    /// The event's JSON as served.
    var json: Data
}

/// The console's event history: generated from the cameras, or loaded from a captured `events` answer.
struct EventStore: Sendable {
    private(set) var events: [SimulatedEvent]

    /// Loads events captured from a real console (an array of event objects).
    init(capturedEvents data: Data) throws {
        guard let objects = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw SimulatorError.invalidFile("The events file is not a JSON array of events.")
        }
        events = try objects.compactMap { object in
            guard let id = object["id"] as? String, let start = (object["start"] as? NSNumber)?.int64Value else {
                return nil
            }
            return SimulatedEvent(
                id: id,
                type: object["type"] as? String ?? "motion",
                start: start,
                end: (object["end"] as? NSNumber)?.int64Value,
                camera: object["camera"] as? String,
                score: object["score"] as? Int ?? 0,
                smartDetectTypes: object["smartDetectTypes"] as? [String] ?? [],
                json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            )
        }
        events.sort { $0.start < $1.start }
    }

    /// Hours of event history generated before now: a console keeps events for its retention, and a history of
    /// years generated at start (a captured bootstrap records since 2021) would take minutes.
    static let generatedHistoryHours: Int64 = 7 * 24

    /// Generates a repeatable history: a few events an hour per camera over the last week of its recordings, and one
    /// event still running.
    init(generatingFor cameras: [SimulatedCamera], seed: UInt64, now: Int64) {
        var events: [SimulatedEvent] = []
        for camera in cameras {
            guard let recorded = camera.recordingStart else { continue }
            let first = max(recorded, now - Self.generatedHistoryHours * 3_600_000)
            let last = camera.recordingEnd ?? now
            var hour = first / 3_600_000 + 1
            while hour * 3_600_000 < last - 3_600_000 {
                var random = SplitMix64(seed: seed &* 31 &+ UInt64(camera.index) &* 1_000_003 &+ UInt64(hour))
                let count = Int(random.next() % 4)
                for _ in 0..<count {
                    let start = hour * 3_600_000 + Int64(random.next() % 3_500_000)
                    let length = Int64(5_000 + random.next() % 55_000)
                    let roll = random.next() % 10
                    var type = "motion"
                    var smart: [String] = []
                    if roll >= 6 {
                        type = "smartDetectZone"
                        smart =
                            [["person"], ["vehicle"], ["animal"], ["package"], ["person", "vehicle"]][Int(roll - 6)]
                        if roll == 9 && camera.type.contains("Doorbell") { smart = ["package"] }
                    } else if roll == 5 && camera.type.contains("Doorbell") {
                        type = "ring"
                    }
                    events.append(
                        Self.make(
                            id: random.hex(24), type: type, start: start, end: start + length, camera: camera.id,
                            score: Int(40 + random.next() % 60), smart: smart))
                }
                hour += 1
            }
        }
        if let camera = cameras.first(where: { $0.isConnected && $0.recordingStart != nil }) {
            var random = SplitMix64(seed: seed &+ 77)
            events.append(
                Self.make(
                    id: random.hex(24), type: "motion", start: now - 20_000, end: nil, camera: camera.id, score: 55,
                    smart: []))
        }
        self.events = events.sorted { $0.start < $1.start }
    }

    static func make(
        id: String, type: String, start: Int64, end: Int64?, camera: String, score: Int, smart: [String],
        linked: [String] = []
    ) -> SimulatedEvent {
        // Written by hand (ids, types and smart types are plain ASCII): JSONSerialization made generating a week of
        // events for fifty cameras take seconds.
        let smartList = smart.map { "\"\($0)\"" }.joined(separator: ",")
        let linkedList = linked.map { "\"\($0)\"" }.joined(separator: ",")
        let text =
            #"{"camera":"\#(camera)","end":\#(end.map(String.init) ?? "null"),"heatmap":"e-\#(id)","id":"\#(id)","#
            + #""metadata":{},"modelKey":"event","partition":null,"score":\#(score),"smartDetectEvents":[\#(linkedList)],"#
            + #""smartDetectTypes":[\#(smartList)],"start":\#(start),"thumbnail":"e-\#(id)","type":"\#(type)","#
            + #""user":null}"#
        return SimulatedEvent(
            id: id, type: type, start: start, end: end, camera: camera, score: score, smartDetectTypes: smart,
            smartDetectEvents: linked, json: Data(text.utf8))
    }

    /// Adds an event that happened while the console runs (after every stored one).
    mutating func add(_ event: SimulatedEvent) {
        if let last = events.last, last.start > event.start {
            let index = events.firstIndex { $0.start > event.start } ?? events.endIndex
            events.insert(event, at: index)
        } else {
            events.append(event)
        }
    }

    /// Changes a stored event's end, score or linked events, and its JSON with them.
    mutating func update(id: String, end: Int64?, score: Int?, smartDetectEvents: [String]?) -> SimulatedEvent? {
        guard let index = events.lastIndex(where: { $0.id == id }) else { return nil }
        var event = events[index]
        if let end { event.end = end }
        if let score { event.score = score }
        if let smartDetectEvents { event.smartDetectEvents = smartDetectEvents }
        event = Self.make(
            id: event.id, type: event.type, start: event.start, end: event.end, camera: event.camera ?? "",
            score: event.score, smart: event.smartDetectTypes, linked: event.smartDetectEvents)
        events[index] = event
        return event
    }

    func event(id: String) -> SimulatedEvent? {
        events.last { $0.id == id }
    }

    /// The `events` query as a console answers it.
    ///
    /// `types` and `smartDetectTypes` are repeated parameters; a comma in one of their values matches nothing.
    /// Without `types`, the range is ignored and only `limit`/`offset` apply.
    func query(_ parameters: QueryParameters) -> [SimulatedEvent] {
        let types = parameters.all("types")
        let smartTypes = parameters.all("smartDetectTypes")
        if (types + smartTypes).contains(where: { $0.contains(",") }) { return [] }
        let cameras = Set(parameters.all("cameras").flatMap { $0.split(separator: ",").map(String.init) })
        var selected = events.filter { event in
            if !types.isEmpty && !types.contains(event.type) { return false }
            if !smartTypes.isEmpty && Set(smartTypes).isDisjoint(with: event.smartDetectTypes) { return false }
            if !cameras.isEmpty && !cameras.contains(event.camera ?? "") { return false }
            return true
        }
        if !types.isEmpty {
            if let start = parameters.int64("start") {
                selected = selected.filter { ($0.end ?? Int64.max) >= start }
            }
            if let end = parameters.int64("end") {
                selected = selected.filter { $0.start <= end }
            }
        }
        if (parameters.first("orderDirection") ?? "DESC").uppercased() != "ASC" {
            selected.reverse()
        }
        let offset = max(0, parameters.int64("offset").map(Int.init) ?? 0)
        let limit = parameters.int64("limit").map(Int.init) ?? selected.count
        guard offset < selected.count else { return [] }
        return Array(selected[offset..<min(selected.count, offset + max(0, limit))])
    }
}
