import Foundation

/// A live event to happen now, as asked for through `POST /__sim/events`; what is left out is chosen at random.
public struct LiveEventRequest: Sendable, Codable, Equatable {
    /// Camera id (default: a connected, recording camera).
    public var camera: String?
    /// `motion`, `smartDetectZone`, `smartDetectLine` or `ring`.
    public var type: String?
    /// For smart detections: `person`, `vehicle`, `animal`, `package`.
    public var smartDetectTypes: [String]?
    /// How long the event lasts.
    public var seconds: Double?
    /// The event is announced only once it has ended: its `add` already carries `end`.
    public var closedOnAdd: Bool?
    /// Ids on the websocket carry the `-<cameraId>` suffix.
    public var suffixedID: Bool?
    /// A motion event gets a linked smart detection part-way (an `update` with `smartDetectEvents`).
    public var linkedSmartDetection: Bool?

    public init(
        camera: String? = nil, type: String? = nil, smartDetectTypes: [String]? = nil, seconds: Double? = nil,
        closedOnAdd: Bool? = nil, suffixedID: Bool? = nil, linkedSmartDetection: Bool? = nil
    ) {
        self.camera = camera
        self.type = type
        self.smartDetectTypes = smartDetectTypes
        self.seconds = seconds
        self.closedOnAdd = closedOnAdd
        self.suffixedID = suffixedID
        self.linkedSmartDetection = linkedSmartDetection
    }
}

/// Everything decided about one live event before it starts.
struct LiveEventPlan: Sendable {
    var id: String
    var camera: SimulatedCamera
    var type: String
    var smartDetectTypes: [String]
    var score: Int
    var milliseconds: Int64
    var closedOnAdd: Bool
    var suffixedID: Bool
    /// The id of a smart detection linked to a motion event part-way, if any.
    var linkedID: String?
    var linkedTypes: [String]

    /// Fills in what the request leaves out from the seeded generator, with the mix real consoles show.
    init?(
        _ request: LiveEventRequest, cameras: [SimulatedCamera], longShare: Double,
        random: inout SplitMix64
    ) {
        let candidates = cameras.filter { $0.isConnected && $0.recordingStart != nil }
        let chosen: SimulatedCamera?
        if let id = request.camera {
            chosen = cameras.first { $0.id == id }
        } else if !candidates.isEmpty {
            chosen = candidates[Int(random.next() % UInt64(candidates.count))]
        } else {
            chosen = nil
        }
        guard let camera = chosen else { return nil }
        self.camera = camera
        id = random.hex(24)
        let isDoorbell = camera.type.contains("Doorbell")
        let roll = Double(random.next() % 1000) / 1000
        var type = request.type ?? "motion"
        if request.type == nil {
            if isDoorbell && roll < 0.15 {
                type = "ring"
            } else if roll < 0.55 {
                type = "motion"
            } else if roll < 0.85 {
                type = "smartDetectZone"
            } else {
                type = "smartDetectLine"
            }
        }
        self.type = type
        let smartChoices: [[String]] = [["person"], ["vehicle"], ["animal"], ["person", "vehicle"]]
        var smart: [String] = []
        if type == "smartDetectZone" || type == "smartDetectLine" {
            smart =
                request.smartDetectTypes
                ?? (isDoorbell && random.next() % 4 == 0
                    ? ["package"] : smartChoices[Int(random.next() % UInt64(smartChoices.count))])
        }
        smartDetectTypes = smart
        score = smart.isEmpty ? 0 : Int(50 + random.next() % 50)
        if let seconds = request.seconds {
            milliseconds = max(100, Int64(seconds * 1000))
        } else if type == "ring" {
            milliseconds = 1000
        } else if Double(random.next() % 1000) / 1000 < longShare {
            milliseconds = Int64(600_000 + random.next() % 3_000_000)
        } else {
            // Log-uniform between one second and four minutes: most events are short, a few last minutes.
            let exponent = Double(random.next() % 1000) / 1000 * log(240.0)
            milliseconds = Int64(1000 * exp(exponent))
        }
        closedOnAdd = request.closedOnAdd ?? (!smart.isEmpty && random.next() % 5 == 0)
        suffixedID = request.suffixedID ?? (random.next() % 3 == 0)
        let linked =
            request.linkedSmartDetection ?? (type == "motion" && !closedOnAdd && random.next() % 3 == 0)
        if linked && type == "motion" {
            linkedID = random.hex(24)
            linkedTypes = smartChoices[Int(random.next() % 3)]
        } else {
            linkedID = nil
            linkedTypes = []
        }
    }

    /// The id as the websocket carries it.
    var socketID: String { suffixedID ? "\(id)-\(camera.id)" : id }
}
