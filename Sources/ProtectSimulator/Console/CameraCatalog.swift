import Foundation

/// One video channel of a simulated camera.
public struct SimulatedChannel: Sendable, Hashable {
    public var id: Int
    public var width: Int
    public var height: Int
    public var fps: Int
    public var bitrate: Int
    public var enabled: Bool
}

/// A simulated camera: what the export, snapshot and event handlers need to know of it.
public struct SimulatedCamera: Sendable, Hashable {
    public var index: Int
    public var id: String
    public var name: String
    public var type: String
    public var isConnected: Bool
    public var channels: [SimulatedChannel]
    /// The package lens (id 2) of a G4 Doorbell Pro: its video is channel 3.
    public var hasPackageLens: Bool
    /// First recorded millisecond; nil when the camera never recorded.
    public var recordingStart: Int64?
    /// Last recorded millisecond of a disconnected camera; nil while it records up to now.
    public var recordingEnd: Int64?
    /// Records only on motion: no footage during the quiet hours.
    public var motionOnly: Bool
}

/// The console's cameras and the bootstrap document describing them.
public struct CameraCatalog: Sendable {
    public private(set) var cameras: [SimulatedCamera]
    public let timeZone: String
    /// The captured bootstrap served as it is, with live values patched in; nil for generated cameras.
    let capturedBootstrap: Data?
    let nvrName: String
    let protectVersion: String
    let nvrID: String
    let nvrMAC: String
    /// The console user's name, for the bootstrap's user object.
    var username = "admin"
    /// When the console started (the NVR's `upSince`).
    var startedAt: Int64 = 0

    /// Hostile names used by `hostileNames`, each breaking some naive file naming.
    public static let hostileNames: [String] = [
        "Front/Door",
        "../../escape",
        "\"Quoted\" 'Cam'",
        "🐶 Dog Cam 📷",
        "   Leading Spaces",
        String(repeating: "Very Long Camera Name ", count: 12),
        "Straße Über Ünïcode",
        "名前 カメラ",
        "Trailing Spaces   ",
        "Colon: Star* Question? <Pipe|>",
        "..",
        "Back\\Slash",
    ]

    /// Plain names used otherwise.
    public static let plainNames: [String] = [
        "Front Door", "Driveway", "Back Yard", "Garage", "Porch", "Side Gate", "Living Room", "Kitchen",
    ]

    static let models = ["UVC G4 Pro", "UVC G4 Bullet", "UVC G4 Instant", "UVC G4 Dome", "UVC AI Bullet"]

    /// Generates `configuration.cameras.count` cameras, with recordings up to `now`.
    init(generating configuration: SimulatorConfiguration, now: Int64) {
        let settings = configuration.cameras
        var random = SplitMix64(seed: settings.seed)
        nvrID = random.hex(24)
        nvrMAC = random.hex(12).uppercased()
        var cameras: [SimulatedCamera] = []
        for index in 0..<max(0, settings.count) {
            let names = settings.hostileNames ? Self.hostileNames : Self.plainNames
            var name = names[index % names.count]
            if index >= names.count { name += " \(index / names.count + 1)" }
            let isDoorbellPro = settings.packageCamera && index == 0
            let type = isDoorbellPro ? "UVC G4 Doorbell Pro" : Self.models[index % Self.models.count]
            func even(_ value: Int) -> Int { max(16, value / 2 * 2) }
            var channels = [
                SimulatedChannel(
                    id: 0, width: settings.width, height: settings.height, fps: settings.framesPerSecond,
                    bitrate: settings.bitrate, enabled: true),
                SimulatedChannel(
                    id: 1, width: even(settings.width / 2), height: even(settings.height / 2),
                    fps: settings.framesPerSecond, bitrate: max(8_000, settings.bitrate / 4), enabled: true),
                SimulatedChannel(
                    id: 2, width: even(settings.width / 4), height: even(settings.height / 4),
                    fps: settings.framesPerSecond, bitrate: max(8_000, settings.bitrate / 16), enabled: true),
            ]
            if isDoorbellPro {
                channels.append(
                    SimulatedChannel(
                        id: 3, width: settings.width, height: settings.height, fps: 2,
                        bitrate: max(8_000, settings.bitrate / 4), enabled: true))
            }
            let disconnected = index >= settings.count - settings.disconnectedCount
            let start = now - Int64(settings.historyHours) * 3_600_000 - Int64(random.next() % 60_000)
            cameras.append(
                SimulatedCamera(
                    index: index,
                    id: random.hex(24),
                    name: name,
                    type: type,
                    isConnected: !disconnected,
                    channels: channels,
                    hasPackageLens: isDoorbellPro,
                    recordingStart: start,
                    recordingEnd: disconnected ? now - 6 * 3_600_000 : nil,
                    motionOnly: index >= settings.count - settings.motionOnlyCount
                ))
        }
        self.cameras = cameras
        self.timeZone = settings.timeZone
        self.capturedBootstrap = nil
        self.nvrName = configuration.consoleName
        self.protectVersion = configuration.protectVersion
        self.username = configuration.authentication.username
        self.startedAt = now
    }

    /// Loads a captured bootstrap: its cameras are served as they were captured, their video at `bitrate` (the
    /// main channel's bits per second; the others a quarter and a sixteenth, as for generated cameras).
    init(capturedBootstrap data: Data, bitrate: Int) throws {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cameraObjects = root["cameras"] as? [[String: Any]]
        else {
            throw SimulatorError.invalidFile("The bootstrap file has no \"cameras\" array.")
        }
        let nvr = root["nvr"] as? [String: Any] ?? [:]
        var cameras: [SimulatedCamera] = []
        for (index, object) in cameraObjects.enumerated() {
            guard let id = object["id"] as? String else { continue }
            let channels = (object["channels"] as? [[String: Any]] ?? []).map { channel in
                SimulatedChannel(
                    id: channel["id"] as? Int ?? 0,
                    width: channel["width"] as? Int ?? 1280,
                    height: channel["height"] as? Int ?? 720,
                    fps: channel["fps"] as? Int ?? 15,
                    bitrate: Self.scaled(bitrate, channel: channel["id"] as? Int ?? 0),
                    enabled: channel["enabled"] as? Bool ?? true
                )
            }
            let video = (object["stats"] as? [String: Any])?["video"] as? [String: Any]
            let lenses = object["lenses"] as? [[String: Any]] ?? []
            let connected = (object["state"] as? String) == "CONNECTED"
            let start = (video?["recordingStart"] as? NSNumber)?.int64Value
            let end = (video?["recordingEnd"] as? NSNumber)?.int64Value
            cameras.append(
                SimulatedCamera(
                    index: index,
                    id: id,
                    name: object["name"] as? String ?? "",
                    type: object["type"] as? String ?? "UVC",
                    isConnected: connected,
                    channels: channels,
                    hasPackageLens: lenses.contains { ($0["id"] as? Int) == 2 },
                    recordingStart: start,
                    recordingEnd: connected ? nil : end,
                    motionOnly: ((object["recordingSettings"] as? [String: Any])?["mode"] as? String) == "detections"
                ))
        }
        self.cameras = cameras
        self.timeZone = nvr["timezone"] as? String ?? "UTC"
        self.capturedBootstrap = data
        self.nvrName = nvr["name"] as? String ?? "NVR"
        self.protectVersion = nvr["version"] as? String ?? "1.0.0"
        self.nvrID = nvr["id"] as? String ?? "000000000000000000000000"
        self.nvrMAC = nvr["mac"] as? String ?? "000000000000"
    }

    /// A channel's bitrate for a main-channel `bitrate`.
    static func scaled(_ bitrate: Int, channel: Int) -> Int {
        switch channel {
        case 0: return bitrate
        case 1, 3: return max(8_000, bitrate / 4)
        default: return max(8_000, bitrate / 16)
        }
    }

    func camera(id: String) -> SimulatedCamera? {
        cameras.first { $0.id == id }
    }

    mutating func rename(id: String, to name: String) -> Bool {
        guard let index = cameras.firstIndex(where: { $0.id == id }) else { return false }
        cameras[index].name = name
        return true
    }

    // MARK: JSON

    /// The bootstrap document as the console serves it at `now`.
    func bootstrapJSON(now: Int64, accessKey: String, lastUpdateID: String, motion: [String: MotionState] = [:]) throws
        -> Data
    {
        var root: [String: Any]
        if let capturedBootstrap {
            root = try JSONSerialization.jsonObject(with: capturedBootstrap) as? [String: Any] ?? [:]
            var objects = root["cameras"] as? [[String: Any]] ?? []
            for index in objects.indices {
                guard let id = objects[index]["id"] as? String, let camera = camera(id: id) else { continue }
                objects[index]["name"] = camera.name
                if camera.isConnected, camera.recordingStart != nil,
                    var stats = objects[index]["stats"] as? [String: Any],
                    var video = stats["video"] as? [String: Any]
                {
                    video["recordingEnd"] = now
                    stats["video"] = video
                    objects[index]["stats"] = stats
                }
            }
            root["cameras"] = objects
        } else {
            root = [
                "authUserId": BootstrapShape.userID,
                "cameras": cameras.map { cameraObject($0, now: now, motion: motion[$0.id]) },
                "users": [BootstrapShape.user(username: username)],
                "groups": [BootstrapShape.group],
                "liveviews": [] as [Any],
                "schedules": [] as [Any],
                "viewers": [] as [Any],
                "lights": [] as [Any],
                "bridges": [] as [Any],
                "sensors": [] as [Any],
                "chimes": [] as [Any],
                "ringtones": [] as [Any],
                "aiports": [] as [Any],
                "nvr": nvrObject(now: now),
            ]
        }
        root["accessKey"] = accessKey
        root["lastUpdateId"] = lastUpdateID
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    /// The camera array alone (`GET cameras`).
    func camerasJSON(now: Int64, motion: [String: MotionState] = [:]) throws -> Data {
        if capturedBootstrap != nil {
            let root = try JSONSerialization.jsonObject(with: bootstrapJSON(now: now, accessKey: "", lastUpdateID: ""))
            return try JSONSerialization.data(
                withJSONObject: (root as? [String: Any])?["cameras"] ?? [], options: [.sortedKeys])
        }
        return try JSONSerialization.data(
            withJSONObject: cameras.map { cameraObject($0, now: now, motion: motion[$0.id]) }, options: [.sortedKeys])
    }

    func nvrObject(now: Int64) -> [String: Any] {
        BootstrapShape.nvr(
            id: nvrID, mac: nvrMAC, name: nvrName, version: protectVersion, timeZone: timeZone, host: "127.0.0.1",
            now: now, upSince: startedAt)
    }

    func cameraObject(_ camera: SimulatedCamera, now: Int64, motion: MotionState? = nil) -> [String: Any] {
        BootstrapShape.camera(
            camera, now: now, nvrHost: "127.0.0.1",
            lastMotion: motion?.last ?? (camera.recordingStart == nil ? nil : now - 600_000),
            isMotionDetected: motion?.detected ?? false)
    }
}

/// A small, fast, seedable generator, so that generated consoles are the same run after run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func hex(_ length: Int) -> String {
        var text = ""
        while text.count < length { text += String(next(), radix: 16) }
        return String(text.prefix(length))
    }
}

/// Errors of the simulator itself (not answers of the simulated console).
public enum SimulatorError: Error, LocalizedError {
    /// A file given to the simulator could not be used.
    case invalidFile(String)

    public var errorDescription: String? {
        switch self {
        case .invalidFile(let reason): reason
        }
    }
}
