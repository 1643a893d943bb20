import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `protect-dl download`: the original downloader's command line.
struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download every hour of a time range for the chosen cameras.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Comma-separated camera ids or names (case-insensitive), or all.")
    var cameras = "all"
    @OptionGroup var stream: StreamOptionGroup
    @OptionGroup var range: TimeRangeOptionGroup
    @Option(help: "Destination folder (must exist), or an rclone remote (remote:path).")
    var dest = "."
    @OptionGroup var remote: RemoteOptionGroup
    @Flag(help: "Put files in YYYY/MM/DD/<camera>/ folders.")
    var useSubfolders = false
    @Option(
        help:
            "Seconds before now the console may still be writing: a range reaching later is cut there, and the cut segment is named by what it holds."
    )
    var settle: Double = 60
    @OptionGroup var naming: NamingOptionGroup
    @OptionGroup var engine: EngineOptionGroup
    @OptionGroup var transfer: TransferOptionGroup
    @OptionGroup var output: OutputOptionGroup

    var options: DownloadOptions {
        var options = DownloadOptions(
            startText: range.texts.start, endText: range.texts.end, destination: URL(fileURLWithPath: dest))
        options.cameras = CameraSelection.tokens(cameras)
        options.variant = stream.variant
        options.useSubfolders = useSubfolders
        options.template = naming.outputTemplate
        options.utc = naming.utc
        options.settleSeconds = settle
        engine.apply(to: &options.engine)
        return options
    }

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: cameras, dest: dest)
        try engine.check(dest: dest)
        guard settle >= 0 else { throw ValidationError("--settle cannot be negative.") }
    }

    func run() async throws {
        let reporter = Reporter(json: output.json, quiet: output.quiet)
        var options = self.options
        options.engine.onBytes = reporter.addBytes
        let logger = makeLogger(level: output.level)
        let (job, _) = try await JobStart.prepare(dest, remote: remote, logger: logger) {
            (target: ArchiveTarget) -> DownloadJob in
            target.apply(to: &options.engine)
            return DownloadJob(options: options, logger: logger)
        } check: {
            _ = try $0.preflight()
        }
        try await JobRunner.run(
            connection: connection, transfer: transfer, output: output, reporter: reporter,
            partFiles: options.engine.partFiles
        ) { client in
            try await job.run(client: client, onEvent: reporter.handle)
        }
    }
}
