import ArgumentParser
import Foundation
import ProtectArchive

/// Which events, and how their clips are cut: shared by `events` and `watch`.
struct EventRulesOptionGroup: ParsableArguments {
    @Option(help: "Comma-separated camera ids or names (case-insensitive), or all.")
    var cameras = "all"
    @Option(
        help: ArgumentHelp(
            "Event types, comma-separated or repeated: motion, ring, smartDetectZone, smartDetectLine, smartAudioDetect, sensorMotion, ...",
            discussion: "Default: " + EventOptions.defaultTypes.joined(separator: ",")))
    var types: [String] = []
    @Option(help: "Smart detection types (person, vehicle, animal, package, licensePlate, face, ...); any of them.")
    var smartTypes: [String] = []
    @Option(help: "Only events with at least this score (0-100).")
    var minScore = 0
    @Option(help: "Seconds of video before each event.")
    var padBefore: Double = 0
    @Option(help: "Seconds of video after each event.")
    var padAfter: Double = 0
    @Flag(help: "One clip per event, even when padded events of a camera overlap or touch.")
    var noMerge = false
    @Option(help: "Seconds after an event's end before its video is asked for (consoles cut on key frames).")
    var settle: Double = 7
    @Option(help: "Save a longer clip in pieces of at most this length (e.g. 10m, 1h; an hour cuts at the hours).")
    var maxLength = "1h"
    @Flag(help: "Save each event's thumbnail (JPEG) beside its clip.")
    var thumbnails = false
    @Flag(help: "Save each event's heatmap (PNG) beside its clip.")
    var heatmaps = false

    func validate() throws {
        guard padBefore >= 0, padAfter >= 0, settle >= 0 else {
            throw ValidationError("--pad-before, --pad-after and --settle cannot be negative.")
        }
        guard (0...100).contains(minScore) else { throw ValidationError("--min-score must be 0 to 100.") }
        guard let seconds = DurationText.seconds(maxLength), seconds >= 1 else {
            throw ValidationError("--max-length must be a duration of at least a second, such as 10m or 1h.")
        }
    }

    func apply(to options: inout EventOptions) {
        options.cameras = CameraSelection.tokens(cameras)
        let types = commaList(self.types)
        if !types.isEmpty { options.types = types }
        options.smartTypes = commaList(smartTypes)
        options.minScore = minScore
        options.padBefore = padBefore
        options.padAfter = padAfter
        options.merge = !noMerge
        options.settleSeconds = settle
        options.maxClipSeconds = DurationText.seconds(maxLength) ?? 3600
        options.thumbnails = thumbnails
        options.heatmaps = heatmaps
    }
}
