/// The parts of `GET bootstrap` a downloader uses; unknown fields are ignored.
public struct Bootstrap: Sendable, Decodable {
    public var cameras: [Camera]
    public var nvr: NVR
    /// Where the realtime websocket resumes from (UniFi OS consoles).
    public var lastUpdateID: String?

    enum CodingKeys: String, CodingKey {
        case cameras, nvr
        case lastUpdateID = "lastUpdateId"
    }
}

/// The console itself.
public struct NVR: Sendable, Decodable {
    public var id: String?
    public var name: String?
    public var version: String?
    public var type: String?
    /// IANA time zone of the console, e.g. "America/New_York".
    public var timezone: String?
}

/// A camera as the console describes it.
public struct Camera: Sendable, Decodable, Hashable {
    public var id: String
    public var name: String
    public var type: String?
    public var marketName: String?
    public var state: String?
    public var isConnected: Bool?
    public var channels: [Channel]
    /// Lens ids beyond the main one (2 is the G4 Doorbell Pro's package camera).
    public var lensIDs: [Int]
    /// First and last recorded milliseconds, when the camera has recordings.
    public var recordingStart: Int64?
    public var recordingEnd: Int64?

    enum CodingKeys: String, CodingKey {
        case id, name, type, marketName, state, isConnected, channels, lenses, stats
    }

    struct Lens: Decodable { var id: Int }
    struct Stats: Decodable {
        struct Video: Decodable {
            var recordingStart: Int64?
            var recordingEnd: Int64?
        }
        var video: Video?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        marketName = try? container.decodeIfPresent(String.self, forKey: .marketName)
        state = try? container.decodeIfPresent(String.self, forKey: .state)
        isConnected = try? container.decodeIfPresent(Bool.self, forKey: .isConnected)
        channels = (try? container.decodeIfPresent([Channel].self, forKey: .channels)) ?? []
        lensIDs = ((try? container.decodeIfPresent([Lens].self, forKey: .lenses)) ?? []).map(\.id)
        let stats = try? container.decodeIfPresent(Stats.self, forKey: .stats)
        recordingStart = stats?.video?.recordingStart
        recordingEnd = stats?.video?.recordingEnd
    }

    public init(id: String, name: String, channels: [Channel] = [], lensIDs: [Int] = []) {
        self.id = id
        self.name = name
        self.channels = channels
        self.lensIDs = lensIDs
    }
}

/// One video stream of a camera: 0 high, 1 medium, 2 low, 3 package camera.
public struct Channel: Sendable, Decodable, Hashable {
    public var id: Int
    public var width: Int?
    public var height: Int?
    public var fps: Int?
    public var bitrate: Int?
    public var enabled: Bool?

    public init(id: Int, width: Int? = nil, height: Int? = nil, fps: Int? = nil, bitrate: Int? = nil) {
        self.id = id
        self.width = width
        self.height = height
        self.fps = fps
        self.bitrate = bitrate
        self.enabled = true
    }
}

/// What to export: a camera's recording over `[start, end]` (milliseconds, both inclusive as the console reads them).
public struct ExportRequest: Sendable, Hashable {
    public var cameraID: String
    public var start: Int64
    public var end: Int64
    public var channel: Int = 0
    /// 2 for the package lens.
    public var lens: Int?
    /// Timelapse frame rate (4, 8, 20, 40 for 60×, 120×, 300×, 600×); nil for real-time video.
    public var timelapseFPS: Int?

    public init(cameraID: String, start: Int64, end: Int64, channel: Int = 0) {
        self.cameraID = cameraID
        self.start = start
        self.end = end
        self.channel = channel
    }

    var queryItems: [(String, String)] {
        var items = [("camera", cameraID), ("start", String(start)), ("end", String(end))]
        if let lens {
            items.append(("lens", String(lens)))
        } else {
            items.append(("channel", String(channel)))
        }
        if let timelapseFPS {
            items.append(("type", "timelapse"))
            items.append(("fps", String(timelapseFPS)))
        }
        return items
    }
}

/// A motion, smart-detection, ring or sensor event; `end` is nil while the event is still running.
public struct Event: Sendable, Decodable, Hashable {
    public var id: String
    public var type: String
    /// Milliseconds since 1970.
    public var start: Int64
    public var end: Int64?
    /// The camera's id; nil for events of other devices (sensors, door locks).
    public var camera: String?
    public var score: Int
    public var smartDetectTypes: [String]

    enum CodingKeys: String, CodingKey {
        case id, type, start, end, camera, score, smartDetectTypes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = (try? container.decodeIfPresent(String.self, forKey: .type)) ?? "unknown"
        start = try container.decode(Int64.self, forKey: .start)
        end = try? container.decodeIfPresent(Int64.self, forKey: .end)
        camera = try? container.decodeIfPresent(String.self, forKey: .camera)
        score = (try? container.decodeIfPresent(Int.self, forKey: .score)) ?? 0
        smartDetectTypes = (try? container.decodeIfPresent([String].self, forKey: .smartDetectTypes)) ?? []
    }

    public init(
        id: String, type: String, start: Int64, end: Int64?, camera: String?, score: Int = 0,
        smartDetectTypes: [String] = []
    ) {
        self.id = id
        self.type = type
        self.start = start
        self.end = end
        self.camera = camera
        self.score = score
        self.smartDetectTypes = smartDetectTypes
    }
}

/// One page of `GET events`: the console reads `types` and `smartDetectTypes` as repeated parameters and ignores
/// the range unless at least one type is given.
public struct EventQuery: Sendable, Hashable {
    public var start: Int64
    public var end: Int64
    public var types: [String]
    public var smartDetectTypes: [String] = []
    public var cameraIDs: [String] = []
    public var limit = 100
    public var offset = 0

    public init(start: Int64, end: Int64, types: [String]) {
        self.start = start
        self.end = end
        self.types = types
    }

    var queryItems: [(String, String)] {
        var items = [("start", String(start)), ("end", String(end))]
        items += types.map { ("types", $0) }
        items += smartDetectTypes.map { ("smartDetectTypes", $0) }
        items += cameraIDs.map { ("cameras", $0) }
        items += [
            ("orderDirection", "ASC"), ("limit", String(limit)), ("offset", String(offset)),
            ("withoutDescriptions", "true"),
        ]
        return items
    }
}

/// An image the console renders: a live or recorded snapshot, or an event's thumbnail or heatmap.
public enum ImageRequest: Sendable, Hashable {
    /// `cameras/<id>/snapshot`, optionally scaled.
    case liveSnapshot(cameraID: String, at: Int64, width: Int?, height: Int?)
    /// `cameras/<id>/recording-snapshot` at a past moment, optionally of the package lens.
    case recordedSnapshot(cameraID: String, at: Int64, lens: Int?, width: Int?, height: Int?)
    /// `events/<id>/thumbnail` (JPEG).
    case eventThumbnail(eventID: String)
    /// `events/<id>/heatmap` (PNG).
    case eventHeatmap(eventID: String)

    var path: String {
        switch self {
        case .liveSnapshot(let id, _, _, _): "cameras/\(id)/snapshot"
        case .recordedSnapshot(let id, _, _, _, _): "cameras/\(id)/recording-snapshot"
        case .eventThumbnail(let id): "events/\(id)/thumbnail"
        case .eventHeatmap(let id): "events/\(id)/heatmap"
        }
    }

    var queryItems: [(String, String)] {
        func size(_ width: Int?, _ height: Int?) -> [(String, String)] {
            (width.map { [("w", String($0))] } ?? []) + (height.map { [("h", String($0))] } ?? [])
        }
        switch self {
        case .liveSnapshot(_, let at, let width, let height):
            return [("ts", String(at)), ("force", "true")] + size(width, height)
        case .recordedSnapshot(_, let at, let lens, let width, let height):
            return [("ts", String(at))] + (lens.map { [("lens", String($0))] } ?? []) + size(width, height)
        case .eventThumbnail, .eventHeatmap:
            return []
        }
    }
}
