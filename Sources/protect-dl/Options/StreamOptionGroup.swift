import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// Which stream to export: channel, package lens, timelapse.
struct StreamOptionGroup: ParsableArguments {
    @Option(help: "Channel: 0 high, 1 medium, 2 low quality (checked against each camera's channels).")
    var channel = 0
    @Flag(help: "The G4 Doorbell Pro's package camera (lens 2) instead of the main one.")
    var packageLens = false
    @Option(help: "Timelapse at the console's speeds: 60x, 120x, 300x or 600x (fps 4, 8, 20, 40).")
    var timelapse: String?

    func validate() throws {
        guard (0...2).contains(channel) else { throw ValidationError("--channel must be 0, 1 or 2.") }
        if packageLens && channel != 0 {
            throw ValidationError("--package-lens is a stream of its own; leave --channel at 0.")
        }
        if let timelapse, ExportVariant.parseTimelapse(timelapse) == nil {
            throw ValidationError("--timelapse must be 60x, 120x, 300x or 600x.")
        }
    }

    var variant: ExportVariant {
        ExportVariant(
            channel: channel, packageLens: packageLens, timelapseSpeed: timelapse.flatMap(ExportVariant.parseTimelapse))
    }
}
