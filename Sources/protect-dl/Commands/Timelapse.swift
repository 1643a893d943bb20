import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl timelapse`: a range of the archive played many times faster, as one H.264 MP4 per camera.
struct Timelapse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write a timelapse of a range from the archive (H.264), optionally with the camera and time drawn in.",
        discussion: """
            The output lasts exactly the range divided by --speed. From 60x on only key frames are decoded, which is \
            many times faster than decoding everything. \(ExitStatus.documentation)
            """
    )

    @OptionGroup var clip: ClipOptionGroup
    @Option(help: "How many times faster than real time, e.g. 60x or 600.")
    var speed: String
    @Flag(help: "Draw the camera's name and the wall-clock time into the picture.")
    var burnIn = false
    @Option(help: "The output's frames per second.")
    var fps = 25

    func validate() throws {
        guard let value = Double(speed.lowercased().replacingOccurrences(of: "x", with: "")), value >= 1,
            value <= 100_000
        else { throw ValidationError("--speed must be a number from 1 to 100000, e.g. 60x.") }
        guard (1...120).contains(fps) else { throw ValidationError("--fps must be from 1 to 120.") }
    }

    func run() async throws {
        do {
            try await clip.withArchive { request, state in try await run(request, state: state) }
        } catch {
            throw fail(error)
        }
    }

    /// Makes the timelapses with a progress bar on stderr.
    func run(_ request: ClipRequest, state: ArchiveState) async throws {
        var job = TimelapseJob(
            request: request, speed: Double(speed.lowercased().replacingOccurrences(of: "x", with: "")) ?? 60)
        job.burnIn = burnIn
        job.framesPerSecond = fps
        let bar = ProgressBar("timelapse")
        let results = try await job.run(state: state) { bar.update($0) }
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        for result in results {
            Console.write(ClipOptionGroup.summary(result, zone: zone, noun: "timelapse"), to: .standardOutput)
        }
    }
}
