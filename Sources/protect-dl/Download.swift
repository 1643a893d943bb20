import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive

/// `protect-dl download`: the original downloader's command line.
struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download every hour of a time range for the chosen cameras.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Comma-separated camera ids, or all.")
    var cameras = "all"
    @Option(help: "Channel: 0 high, 1 medium, 2 low quality.")
    var channel = 0
    @Option(help: "Start: \"YYYY-MM-DD HH:MM:SS+0000\" or ISO 8601; without an offset, the console's time zone.")
    var start: String
    @Option(help: "End, in the same formats as --start.")
    var end: String
    @Option(help: "Destination folder (must exist).")
    var dest = "."
    @Option(help: "Seconds to wait between downloads.")
    var waitBetweenDownloads: Double = 0
    @Flag(help: "Go on after a failed download.")
    var ignoreFailedDownloads = false
    @Flag(help: "Skip segments whose file already exists.")
    var skipExistingFiles = false
    @Flag(
        help:
            "Create each target file, empty, before its download (with --skip-existing-files, a segment that breaks the console is skipped next time)."
    )
    var touchFiles = false
    @Flag(help: "Put files in YYYY/MM/DD/<camera>/ folders.")
    var useSubfolders = false
    @Option(help: "Segments downloaded at the same time, at most; lowered while the console is overloaded.")
    var parallel = 2
    @Option(help: "Further attempts after a network failure, a broken body or a 5xx answer.")
    var retries = 3
    @Option(help: "Seconds before the first retry; doubles with each attempt.")
    var retryDelay: Double = 2
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"
    @Flag(name: [.short, .long], help: "Log more (the same as --log-level info).")
    var verbose = false
    @Flag(help: "No progress line and no line per downloaded file; failures and the summary still show.")
    var quiet = false
    @Flag(help: "One JSON object per line on stdout for each segment, then a summary object.")
    var json = false

    func validate() throws {
        guard (0...2).contains(channel) else { throw ValidationError("--channel must be 0, 1 or 2.") }
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1.") }
        guard retries >= 0, retryDelay >= 0, waitBetweenDownloads >= 0 else {
            throw ValidationError("--retries, --retry-delay and --wait-between-downloads cannot be negative.")
        }
    }

    var options: DownloadOptions {
        var options = DownloadOptions(startText: start, endText: end, destination: URL(fileURLWithPath: dest))
        let ids = cameras.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        options.cameraIDs = ids.isEmpty || ids == ["all"] ? nil : ids
        options.channel = channel
        options.useSubfolders = useSubfolders
        options.skipExistingFiles = skipExistingFiles
        options.touchFiles = touchFiles
        options.ignoreFailedDownloads = ignoreFailedDownloads
        options.waitBetweenDownloads = waitBetweenDownloads
        options.parallel = parallel
        options.retries = retries
        options.retryDelay = retryDelay
        return options
    }

    func run() async throws {
        let logger = makeLogger(level: verbose ? "info" : logLevel)
        let reporter = Reporter(json: json, quiet: quiet)
        var options = self.options
        options.onBytes = reporter.addBytes
        let job = DownloadJob(options: options, logger: logger)
        let connection = self.connection
        let work = Task { () throws -> DownloadSummary in
            try job.preflight()
            let client = try await ProtectClient.connect(
                configuration: connection.configuration, credentials: try connection.credentials(), logger: logger)
            do {
                let summary = try await job.run(client: client, onEvent: reporter.handle)
                await client.shutdown()
                return summary
            } catch {
                await client.shutdown()
                throw error
            }
        }
        let trap = SignalTrap { work.cancel() }
        let progress = Task { await reporter.runProgress() }
        defer {
            trap.stop()
            progress.cancel()
        }
        let summary: DownloadSummary
        do {
            summary = try await work.value
        } catch let error as ArchiveError {
            progress.cancel()
            if case .downloadFailed(_, _, let partial) = error { reporter.finish(partial) }
            throw fail(error)
        } catch {
            progress.cancel()
            if trap.receivedSignal != 0 { throw ExitCode(trap.receivedSignal == SIGTERM ? 143 : 130) }
            throw fail(error)
        }
        progress.cancel()
        reporter.finish(summary)
        if summary.interrupted || trap.receivedSignal != 0 {
            throw ExitCode(trap.receivedSignal == SIGTERM ? 143 : 130)
        }
    }
}
