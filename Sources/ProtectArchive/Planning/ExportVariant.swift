import ProtectAPI

/// Which stream of a camera an export reads: a channel, the package lens, and real time or a timelapse.
public struct ExportVariant: Sendable, Hashable {
    /// 0 high, 1 medium, 2 low quality.
    public var channel = 0
    /// The G4 Doorbell Pro's package camera (sent as `lens=2`).
    public var packageLens = false
    /// Timelapse speed (60, 120, 300 or 600 times real time); nil for real time.
    public var timelapseSpeed: Int?

    /// The console's timelapse speeds and the frame rates it expects for them.
    public static let timelapseFrameRates: [Int: Int] = [60: 4, 120: 8, 300: 20, 600: 40]

    public init(channel: Int = 0, packageLens: Bool = false, timelapseSpeed: Int? = nil) {
        self.channel = channel
        self.packageLens = packageLens
        self.timelapseSpeed = timelapseSpeed
    }

    /// Reads `60`, `60x`, `60×` (and the frame rates' spellings `4fps`) as a timelapse speed.
    public static func parseTimelapse(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        if lower.hasSuffix("fps"), let fps = Int(lower.dropLast(3)) {
            return timelapseFrameRates.first { $0.value == fps }?.key
        }
        let digits = lower.hasSuffix("x") || lower.hasSuffix("×") ? String(lower.dropLast()) : lower
        guard let speed = Int(digits), timelapseFrameRates[speed] != nil else { return nil }
        return speed
    }

    /// Added to file names so that different streams of one range never share a name; empty for the default.
    public var nameSuffix: String {
        var suffix = ""
        if packageLens {
            suffix += "_package"
        } else if channel != 0 {
            suffix += "_channel\(channel)"
        }
        if let timelapseSpeed { suffix += "_timelapse\(timelapseSpeed)x" }
        return suffix
    }

    /// The main lens's high-quality channel in real time.
    public var isDefault: Bool { self == ExportVariant() }

    /// The channel as a name field: `0`, `1`, `2` or `package`.
    public var channelLabel: String { packageLens ? "package" : String(channel) }

    /// Checks that the camera has this stream; the error names what it has instead.
    public func check(_ camera: Camera) throws {
        if packageLens {
            guard camera.lensIDs.contains(2) || camera.channels.contains(where: { $0.id == 3 }) else {
                throw ArchiveError.streamUnavailable(
                    camera: camera.name, stream: "package camera (--package-lens)",
                    available: Self.describeChannels(camera))
            }
            return
        }
        guard camera.channels.contains(where: { $0.id == channel && $0.enabled != false }) else {
            throw ArchiveError.streamUnavailable(
                camera: camera.name, stream: "channel \(channel)", available: Self.describeChannels(camera))
        }
    }

    /// The cameras that have this stream: every chosen one must (`explicit`); of all cameras, those that have it,
    /// and at least one.
    public func cameras(_ cameras: [Camera], explicit: Bool) throws -> [Camera] {
        if explicit {
            for camera in cameras { try check(camera) }
            return cameras
        }
        let having = cameras.filter { (try? check($0)) != nil }
        if having.isEmpty, let first = cameras.first { try check(first) }
        return having
    }

    /// Sets the request's channel, lens and timelapse parameters.
    public func apply(to request: inout ExportRequest) {
        request.channel = packageLens ? 0 : channel
        request.lens = packageLens ? 2 : nil
        request.timelapseFPS = timelapseSpeed.flatMap { Self.timelapseFrameRates[$0] }
    }

    static func describeChannels(_ camera: Camera) -> String {
        let channels = camera.channels.filter { $0.enabled != false && $0.id <= 2 }.map { String($0.id) }
        var text = channels.isEmpty ? "no channels" : "channels " + channels.joined(separator: ", ")
        if camera.lensIDs.contains(2) { text += " and the package lens" }
        return text
    }
}
