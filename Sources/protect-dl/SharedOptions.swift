import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// How the engine downloads: the original downloader's options and the parallel ones.
struct EngineOptionGroup: ParsableArguments {
    @Option(help: "Seconds to wait between downloads.")
    var waitBetweenDownloads: Double = 0
    @Flag(help: "Go on after a failed download.")
    var ignoreFailedDownloads = false
    @Flag(help: "Skip files that already exist.")
    var skipExistingFiles = false
    @Flag(
        help:
            "Create each target file, empty, before its download (with --skip-existing-files, a segment that breaks the console is skipped next time)."
    )
    var touchFiles = false
    @OptionGroup var pace: PaceOptionGroup

    func validate() throws {
        guard waitBetweenDownloads >= 0 else { throw ValidationError("--wait-between-downloads cannot be negative.") }
    }

    func apply(to options: inout EngineOptions) {
        options.skipExistingFiles = skipExistingFiles
        options.touchFiles = touchFiles
        options.ignoreFailedDownloads = ignoreFailedDownloads
        options.waitBetweenDownloads = waitBetweenDownloads
        pace.apply(to: &options)
    }
}

/// How many downloads at once, and how failed attempts are retried.
struct PaceOptionGroup: ParsableArguments {
    @Option(
        help:
            "Downloads at the same time, at most (default 8): protect-dl finds the console's best level below this by itself."
    )
    var parallel: Int?
    @Flag(help: "Run exactly --parallel downloads at once instead of finding the console's best level.")
    var fixedParallel = false
    @Option(help: "Further attempts after a network failure, a broken body or a 5xx answer.")
    var retries = 3
    @Option(help: "Seconds before the first retry; doubles with each attempt.")
    var retryDelay: Double = 2
    /// Pretend it is this moment (ISO 8601 with an offset): for tests and reproducible runs against a simulator.
    @Option(help: .hidden)
    var now: String?

    /// `--now` as milliseconds, when given and readable.
    var moment: UserTime? { now.flatMap { try? UserTime.parse($0, defaultZone: .fixed(seconds: 0)) } }

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1.") }
        if fixedParallel && parallel == nil { throw ValidationError("--fixed-parallel needs --parallel N.") }
        if now != nil && moment == nil {
            throw ValidationError("--now must be a time such as 2026-01-01T00:00:00Z.")
        }
        guard retries >= 0, retryDelay >= 0 else {
            throw ValidationError("--retries and --retry-delay cannot be negative.")
        }
    }

    func apply(to options: inout EngineOptions) {
        if let parallel { options.parallel = parallel }
        options.adaptiveParallel = !fixedParallel
        options.retries = retries
        options.retryDelay = retryDelay
        if let moment { options.clock = .fixed(moment.milliseconds) }
    }
}

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

/// How files are named.
struct NamingOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Name files by this template, relative to --dest, e.g. \"{camera}/{start_date}/{start_time}\".",
            discussion: "Fields: " + OutputTemplate.fields.map { "{\($0.name)}" }.joined(separator: " ")))
    var outputTemplate: String?
    @Flag(help: "Show times in names in UTC instead of the times' (or the console's) zone.")
    var utc = false
}

/// What the command prints.
struct OutputOptionGroup: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"
    @Flag(name: [.short, .long], help: "Log more (the same as --log-level info).")
    var verbose = false
    @Flag(help: "No progress line and no line per file; failures and the summary still show.")
    var quiet = false
    @Flag(help: "One JSON object per line on stdout for each file, then a summary object.")
    var json = false

    var level: String { verbose ? "info" : logLevel }
}

/// Runs a job with a connected client: signals become cancellation, progress shows on a terminal, the summary
/// and exit code follow the run.
enum JobRunner {
    static func run(
        connection: ConnectionOptions, transfer: TransferOptionGroup?, output: OutputOptionGroup, reporter: Reporter,
        partFiles: PartFileRegistry, job: @escaping @Sendable (ProtectClient) async throws -> DownloadSummary
    ) async throws {
        let logger = makeLogger(level: output.level)
        let (result, signal) = await runInterruptible(reporter: reporter, partFiles: partFiles) {
            try await connection.withClient(logger: logger, transfer: transfer, quiet: output.quiet) { client in
                try await job(client)
            }
        }
        if reporter.outputClosed { throw ExitCode(ExitStatus.outputClosed.rawValue) }
        switch result {
        case .success(let summary):
            reporter.finish(summary)
            if summary.interrupted || signal != 0 { throw signalExit(signal) }
        case .failure(let error as ArchiveError):
            if case .downloadFailed(_, _, let partial) = error { reporter.finish(partial) }
            throw fail(error)
        case .failure(let error):
            if signal != 0 { throw signalExit(signal) }
            throw fail(error)
        }
    }
}

/// Runs `work` in a task that SIGINT and SIGTERM cancel (a second signal ends the process at once, after removing
/// the `.part` files in flight), with the progress line on a terminal meanwhile; returns its outcome and the first
/// signal received (0 for none). A closed stdout or stderr cancels the work too.
func runInterruptible<T: Sendable>(
    reporter: Reporter, partFiles: PartFileRegistry, _ work: @escaping @Sendable () async throws -> T
) async -> (result: Result<T, any Error>, signal: Int32) {
    let task = Task { try await work() }
    reporter.onOutputClosed { task.cancel() }
    let trap = SignalTrap(
        onSignal: { task.cancel() },
        onSecondSignal: { signal in
            partFiles.removeAll()
            Console.write("protect-dl: stopped at once (second signal).", to: .standardError)
            _exit(signal == SIGTERM ? ExitStatus.terminated.rawValue : ExitStatus.interrupted.rawValue)
        })
    let progress = Task { await reporter.runProgress() }
    let result = await task.result
    progress.cancel()
    trap.stop()
    return (result, trap.receivedSignal)
}

/// The exit code for a run a signal stopped: 143 for SIGTERM, 130 otherwise (Ctrl-C).
func signalExit(_ signal: Int32) -> ExitCode {
    ExitCode(signal == SIGTERM ? ExitStatus.terminated.rawValue : ExitStatus.interrupted.rawValue)
}

/// `--cameras` must name something and `--dest` must not be empty, in every command that saves files.
func checkSelection(cameras: String, dest: String) throws {
    if let problem = CameraSelection.problem(cameras) { throw ValidationError(problem) }
    if dest.isEmpty { throw ValidationError("--dest is empty; give a folder (. for the current one).") }
}

/// Turns `a,b` and repeated options into one list.
func commaList(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
