import Foundation

extension ExportVariant {
    /// How the state names a stream: `0`, `1`, `2` or `package`, then `+timelapse<speed>x` for a timelapse.
    public var streamKey: String {
        channelLabel + (timelapseSpeed.map { "+timelapse\($0)x" } ?? "")
    }

    /// The stream a state key names.
    public init?(streamKey: String) {
        // Event clips are kept under `event:<stream>`.
        let key = streamKey.hasPrefix("event:") ? String(streamKey.dropFirst(6)) : streamKey
        let parts = key.split(separator: "+", maxSplits: 1)
        guard let first = parts.first else { return nil }
        self.init()
        if first == "package" {
            packageLens = true
        } else if let channel = Int(first), (0...2).contains(channel) {
            self.channel = channel
        } else {
            return nil
        }
        if parts.count == 2 {
            guard parts[1].hasPrefix("timelapse"),
                let speed = ExportVariant.parseTimelapse(String(parts[1].dropFirst(9)))
            else { return nil }
            timelapseSpeed = speed
        }
    }
}
