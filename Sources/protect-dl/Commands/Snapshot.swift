import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `protect-dl snapshot`: a JPEG per camera, live or at a past moment.
struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save a JPEG still of each chosen camera, live or at a past moment.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Comma-separated camera ids or names (case-insensitive), or all.")
    var cameras = "all"
    @Option(
        parsing: .unconditional,
        help: "A past moment (a recording snapshot), in the formats of download's --start; default: now.")
    var at: String?
    @Option(help: "Width in pixels, where the console supports it.")
    var width: Int?
    @Option(help: "Height in pixels, where the console supports it.")
    var height: Int?
    @Flag(help: "The G4 Doorbell Pro's package camera (lens 2).")
    var packageLens = false
    @Option(help: "Destination folder (must exist), or an rclone remote (remote:path).")
    var dest = "."
    @OptionGroup var remote: RemoteOptionGroup
    @OptionGroup var naming: NamingOptionGroup
    @OptionGroup var output: OutputOptionGroup

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: cameras, dest: dest)
        if let width, width < 1 { throw ValidationError("--width must be a positive number of pixels.") }
        if let height, height < 1 { throw ValidationError("--height must be a positive number of pixels.") }
    }

    func run() async throws {
        var options = SnapshotOptions(destination: URL(fileURLWithPath: dest))
        options.cameras = CameraSelection.tokens(cameras)
        options.atText = at
        options.width = width
        options.height = height
        options.packageLens = packageLens
        options.template = naming.outputTemplate
        options.utc = naming.utc
        let reporter = Reporter(json: output.json, quiet: output.quiet)
        let results: [SnapshotResult]
        do {
            let target = try await remote.open(dest, logger: makeLogger(level: output.level))
            options.destination = target.folder
            options.remote = target.remote
            let job = SnapshotJob(options: options, logger: makeLogger(level: output.level))
            try job.preflight()
            results = try await connection.withClient(logger: makeLogger(level: output.level), quiet: output.quiet) {
                client in
                try await job.run(client: client, onEvent: reporter.handle)
            }
        } catch {
            throw fail(error)
        }
        for result in results {
            if output.json {
                var object: [String: JSONValue] = [
                    "event": .string(result.failure == nil ? "snapshot" : "failed"),
                    "camera": .string(result.camera.name),
                    "cameraId": .string(result.camera.id), "path": .string(result.path),
                    "bytes": .int(Int64(result.bytes)),
                ]
                if let failure = result.failure { object["reason"] = .string(failure) }
                reporter.emitJSON(object)
                if reporter.outputClosed { throw ExitCode(ExitStatus.outputClosed.rawValue) }
            } else if let failure = result.failure {
                reporter.emit("failed      \(result.path): \(failure)", toStderr: true)
            } else if !output.quiet {
                reporter.emit("saved       \(result.path) (\(result.bytes) bytes)", toStderr: false)
            }
        }
        if let failed = results.first(where: { $0.failure != nil }) {
            let count = results.filter { $0.failure != nil }.count
            Console.write(
                "protect-dl: \(count) of \(results.count) snapshots failed; the first: \(failed.failure ?? "").",
                to: .standardError)
            throw ExitCode(ExitStatus.httpError.rawValue)
        }
    }
}
