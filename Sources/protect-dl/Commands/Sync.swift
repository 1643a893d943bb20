import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive
import Synchronization

/// `protect-dl sync`: keep an archive complete up to the last finished hour, once or on a period.
struct Sync: AsyncParsableCommand, ConsoleUnitCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download every hour not yet in the archive, up to the last one the console has finished writing.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(
        help:
            "The archive folder (must exist; its state lives in .protect-dl/ inside it), or an rclone remote (remote:path; its state stays local, see --state-dir)."
    )
    var dest: String
    @OptionGroup var remote: RemoteOptionGroup
    @Option(help: "Comma-separated camera ids or names (case-insensitive), or all.")
    var cameras = "all"
    @Option(
        parsing: .unconditional,
        help: "Begin here (the formats of download's --start, e.g. -30d); default: each camera's first recording.")
    var since: String?
    @OptionGroup var stream: StreamOptionGroup
    @OptionGroup var naming: NamingOptionGroup
    @Flag(help: "Ask again for hours the console had no footage for.")
    var recheckEmpty = false
    @Option(help: "Seconds before now the console may still be writing; later hours wait for the next pass.")
    var safetyMargin: Double = 300
    @Option(
        help:
            "Keep running, syncing on this period (e.g. 15m, 1h); SIGTERM stops it cleanly. 0, off or empty: one pass (over a configuration that sets a period)."
    )
    var every: String?
    @Option(help: "Remove complete files older than this (e.g. 30d), and only files the archive downloaded or adopted.")
    var keep: String?
    @Flag(help: "Say what would be downloaded, adopted and removed; change nothing.")
    var dryRun = false
    @OptionGroup var pace: PaceOptionGroup
    @OptionGroup var transfer: TransferOptionGroup
    @OptionGroup(title: "Alerts") var alerts: NotifyOptionGroup
    @OptionGroup var output: OutputOptionGroup

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: cameras, dest: dest)
        if let every, !Self.isOff(every), DurationText.seconds(every) == nil {
            throw ValidationError("--every must be a duration such as 90s, 15m, 1h or 1d, or 0 or off for one pass.")
        }
        if let keep, DurationText.seconds(keep) == nil {
            throw ValidationError("--keep must be a duration such as 12h, 30d or 8w.")
        }
        guard safetyMargin >= 0 else { throw ValidationError("--safety-margin cannot be negative.") }
        if let metricsAddress {
            guard period != nil else { throw ValidationError("--metrics-address serves a daemon: add --every.") }
            guard MetricsServer.Address(metricsAddress) != nil else {
                throw ValidationError("--metrics-address must be HOST:PORT, such as 127.0.0.1:9110 or :9110.")
            }
        }
    }

    /// `--every` as seconds; nil for a single pass (no `--every`, or 0, off or empty).
    var period: Double? {
        guard let every, !Self.isOff(every) else { return nil }
        return DurationText.seconds(every)
    }

    /// A value of `--every` that asks for one pass.
    static func isOff(_ text: String) -> Bool {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        return text.isEmpty || ["off", "none", "0", "0s", "0m", "0h", "0d"].contains(text)
    }

    var options: SyncOptions {
        var options = SyncOptions(destination: URL(fileURLWithPath: dest))
        options.cameras = CameraSelection.tokens(cameras)
        options.sinceText = since
        options.variant = stream.variant
        options.template = naming.outputTemplate
        options.utc = naming.utc
        options.recheckEmpty = recheckEmpty
        options.safetyMargin = safetyMargin
        options.keepSeconds = keep.flatMap(DurationText.seconds)
        options.dryRun = dryRun
        pace.apply(to: &options.engine)
        return options
    }

    @Option(
        help: ArgumentHelp(
            "With --every: serve Prometheus metrics on http://HOST:PORT/metrics and /healthz (200 while the last pass succeeded and the next is not overdue).",
            valueName: "host:port"))
    var metricsAddress: String?
    @Flag(help: "Sync every console of the configuration file from this one process, each on its own.")
    var allConsoles = false

    static let drawsProgress = true

    func run() async throws { try await runAlone() }

    /// This command line's console as a unit of work: its state opened, its pass and its loop ready.
    func makeUnit(console: String?, reporter: Reporter, partFiles: PartFileRegistry) async throws -> ConsoleUnit {
        let logger = makeLogger(level: output.level)
        var options = self.options
        options.engine.onBytes = reporter.addBytes
        options.engine.partFiles = partFiles
        // One pass of one console asks the console, and spools the first files, while a remote is checked (0.4 s
        // of an SSH handshake and rclone's probes on SFTP); a daemon, or many consoles, check it first.
        let (job, state) = try await JobStart.prepareWithState(
            dest, remote: remote, console: console, checkFirst: period != nil || allConsoles, logger: logger
        ) { (target: ArchiveTarget) -> SyncJob in
            target.apply(to: &options.engine)
            return SyncJob(options: options, logger: logger)
        } check: {
            _ = try $0.preflight()
        }
        let connection = self.connection
        let transfer = self.transfer
        let quiet = output.quiet
        let dryRun = self.dryRun
        let name = console ?? "default"
        let period = self.period
        let alerting = alerts.settings(
            defaultStale: AlertSettings.defaultStale(period: period),
            localFolder: job.options.engine.remote == nil ? job.options.engine.destination : nil)
        return ConsoleUnit(name: name, period: period) { metrics in
            try await AlertCenter.withCenter(
                console: name, settings: alerting, state: state, metrics: metrics, logger: logger
            ) { center in
                try await Self.loop(
                    console: console, period: period, reporter: reporter, metrics: metrics, center: center,
                    quiet: quiet, dryRun: dryRun
                ) { first in
                    try await connection.withClient(
                        logger: logger, transfer: transfer, quiet: quiet || !first, console: console
                    ) { client in
                        try await job.run(client: client, state: state, firstPass: first) { event in
                            metrics?.record(event, console: name)
                            reporter.handle(event)
                        }
                    }
                }
            }
        }
    }

    /// The daemon loop: passes, their lines, their metrics and their alerts.
    static func loop(
        console: String?, period: Double?, reporter: Reporter, metrics: ArchiveMetrics?, center: AlertCenter,
        quiet: Bool, dryRun: Bool, pass: @escaping @Sendable (_ first: Bool) async throws -> SyncReport
    ) async throws -> ConsoleUnit.Result {
        let name = center.console
        var service = SyncService(console: console, period: period, pass: pass)
        service.retryEveryFailure = console != nil
        let report = try await service.run { outcome in
            metrics?.record(outcome, console: name)
            if !dryRun { center.passEnded(outcome) }
            switch outcome {
            case .completed(let report):
                if dryRun {
                    for path in report.wouldDownload { reporter.emit("would download  \(path)", toStderr: false) }
                    for path in report.wouldAdopt { reporter.emit("would adopt     \(path)", toStderr: false) }
                    for path in report.pruned { reporter.emit("would remove    \(path)", toStderr: false) }
                } else {
                    for path in report.pruned where !quiet { reporter.emit("removed     \(path)", toStderr: false) }
                }
                reporter.emit(Self.stamp() + report.line, toStderr: false)
            case .failed(let error, let willRetry):
                if willRetry {
                    reporter.emit(Self.stamp() + "sync pass failed: \(ErrorText.sentence(error))", toStderr: true)
                }
            }
        }
        return ConsoleUnit.Result(
            failedItems: report?.summary.failed ?? 0, interrupted: report?.interrupted ?? false)
    }

    static func stamp() -> String {
        let f = TimeFormatting.fields(Int64(Date().timeIntervalSince1970 * 1000), in: .fixed(seconds: 0))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ ", f.year, f.month, f.day, f.hour, f.minute, f.second)
    }
}
