import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive
import Synchronization

/// `protect-dl sync`: keep an archive complete up to the last finished hour, once or on a period.
struct Sync: AsyncParsableCommand {
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
    @Option(help: "Keep running, syncing on this period (e.g. 15m, 1h); SIGTERM stops it cleanly.")
    var every: String?
    @Option(help: "Remove complete files older than this (e.g. 30d), and only files the archive downloaded or adopted.")
    var keep: String?
    @Flag(help: "Say what would be downloaded, adopted and removed; change nothing.")
    var dryRun = false
    @OptionGroup var pace: PaceOptionGroup
    @OptionGroup var transfer: TransferOptionGroup
    @OptionGroup var output: OutputOptionGroup

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: cameras, dest: dest)
        if let every, DurationText.seconds(every) == nil {
            throw ValidationError("--every must be a duration such as 90s, 15m, 1h or 1d.")
        }
        if let keep, DurationText.seconds(keep) == nil {
            throw ValidationError("--keep must be a duration such as 12h, 30d or 8w.")
        }
        guard safetyMargin >= 0 else { throw ValidationError("--safety-margin cannot be negative.") }
        if let metricsAddress {
            guard every != nil else { throw ValidationError("--metrics-address serves a daemon: add --every.") }
            guard MetricsServer.Address(metricsAddress) != nil else {
                throw ValidationError("--metrics-address must be HOST:PORT, such as 127.0.0.1:9110 or :9110.")
            }
        }
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

    func run() async throws {
        let reporter = Reporter(json: output.json, quiet: output.quiet)
        let unit = try await makeUnit(console: nil, reporter: reporter, partFiles: PartFileRegistry())
        try await ConsoleUnits.run(
            [unit], reporter: reporter, metricsAddress: metricsAddress, logger: makeLogger(level: output.level))
    }

    /// This command line's console as a unit of work: its state opened, its pass and its loop ready.
    func makeUnit(console: String?, reporter: Reporter, partFiles: PartFileRegistry) async throws -> ConsoleUnit {
        let logger = makeLogger(level: output.level)
        var options = self.options
        options.engine.onBytes = reporter.addBytes
        options.engine.partFiles = partFiles
        let job: SyncJob
        let state: ArchiveState
        do {
            let target = try await remote.open(dest, logger: logger)
            target.apply(to: &options.engine)
            job = SyncJob(options: options, logger: logger)
            try job.preflight()
            state = try target.state()
        } catch {
            throw fail(error, console: console)
        }
        let connection = self.connection
        let transfer = self.transfer
        let quiet = output.quiet
        let dryRun = self.dryRun
        let name = console ?? "default"
        let period = every.flatMap(DurationText.seconds)
        return ConsoleUnit(name: name, period: period) { metrics in
            var service = SyncService(console: console, period: period) { first in
                try await connection.withClient(logger: logger, transfer: transfer, quiet: quiet || !first) { client in
                    try await job.run(client: client, state: state) { event in
                        metrics?.record(event, console: name)
                        reporter.handle(event)
                    }
                }
            }
            service.retryEveryFailure = console != nil
            let report = try await service.run { outcome in
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
                    if report.summary.failed == 0 {
                        metrics?.passSucceeded(console: name)
                    } else {
                        metrics?.passFailed(console: name, reason: "\(report.summary.failed) hours failed")
                    }
                case .failed(let error, let willRetry):
                    let message = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
                    metrics?.passFailed(console: name, reason: message)
                    if willRetry { reporter.emit(Self.stamp() + "sync pass failed: \(message)", toStderr: true) }
                }
            }
            return ConsoleUnit.Result(
                failedItems: report?.summary.failed ?? 0, interrupted: report?.interrupted ?? false)
        }
    }

    static func stamp() -> String {
        let f = TimeFormatting.fields(Int64(Date().timeIntervalSince1970 * 1000), in: .fixed(seconds: 0))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ ", f.year, f.month, f.day, f.hour, f.minute, f.second)
    }
}

/// `protect-dl verify`: every file the archive knows is still what was downloaded.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check every file the archive knows (exists, size, SHA-256, MP4 structure); --repair downloads bad ones again.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The archive folder, or an rclone remote (remote:path).")
    var dest: String
    @Flag(help: "Download missing or altered files again (needs --address and --username).")
    var repair = false
    @Flag(
        help:
            "On a remote: read every file back and compare its SHA-256 (default: sizes and the remote's own hashes, from a listing)."
    )
    var deep = false
    @Option(help: "On a remote with --deep: read back at most this much (e.g. 500M, 20G); the rest is checked quickly.")
    var deepMaxBytes: String?
    @Option(help: "Files read and hashed at once on a local archive (default: twice the cores, 2 to 8).")
    var jobs: Int?
    @OptionGroup var remote: RemoteOptionGroup
    @OptionGroup var output: OutputOptionGroup

    func validate() throws {
        if repair { try connection.require() }
        if dest.isEmpty { throw ValidationError("--dest is empty; give the archive folder.") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        if let deepMaxBytes, ByteCount.parse(deepMaxBytes) == nil {
            throw ValidationError("--deep-max-bytes must be a size such as 500M or 20G.")
        }
    }

    func run() async throws {
        let logger = makeLogger(level: output.level)
        let reporter = Reporter(json: output.json, quiet: output.quiet)
        var job: VerifyJob
        let state: ArchiveState
        let report: VerifyReport
        do {
            let target = try await remote.open(dest, create: false, exclusive: repair, logger: logger)
            let destination = target.folder
            job = VerifyJob(destination: destination, logger: logger)
            job.remote = target.remote
            job.deep = deep
            job.deepMaxBytes = deepMaxBytes.flatMap(ByteCount.parse)
            if let jobs { job.jobs = jobs }
            if target.remote == nil {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: destination.path, isDirectory: &isFolder),
                    isFolder.boolValue
                else { throw ArchiveError.destinationMissing(destination.path) }
            }
            state = try target.state(create: false, exclusive: repair)
            report = try await job.check(state: state) { problem in
                if output.json {
                    reporter.emitJSON([
                        "event": .string(problem.kind.rawValue), "path": .string(problem.record.path),
                        "detail": .string(problem.detail),
                    ])
                } else {
                    reporter.emit(
                        "\(problem.kind.rawValue)  \(problem.record.path): \(problem.detail)", toStderr: false)
                }
            }
        } catch {
            throw fail(error)
        }
        reporter.emit(
            "\(report.checked) files checked, \(report.problems.filter { $0.kind == .missing }.count) missing, "
                + "\(report.problems.filter { $0.kind == .altered }.count) altered"
                + (deep && job.remote != nil ? ", \(report.readBack) read back" : ""), toStderr: false)
        guard !report.problems.isEmpty else { return }
        guard repair else { throw ExitCode(ExitStatus.verifyFailed.rawValue) }
        let connection = self.connection
        let repaired: VerifyReport
        var engine = EngineOptions(destination: job.destination)
        engine.remote = job.remote
        do {
            repaired = try await connection.withClient(logger: logger, quiet: output.quiet) { [job, engine] client in
                try await job.repair(
                    report.problems, state: state, client: client, engine: engine, onEvent: reporter.handle)
            }
        } catch {
            throw fail(error)
        }
        reporter.emit("\(repaired.repaired.count) repaired, \(repaired.unrepaired.count) not", toStderr: false)
        if !repaired.unrepaired.isEmpty { throw ExitCode(ExitStatus.verifyFailed.rawValue) }
    }
}

/// `protect-dl manifest`: checksums and a manifest for handing footage on.
struct Manifest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write SHA256SUMS (for sha256sum -c) and manifest.json for the archive's files in a range.",
        discussion: ExitStatus.documentation
    )

    @Option(
        help:
            "The archive folder; the two files are written there. For an rclone remote (remote:path) they are written in its local state folder and uploaded beside the data."
    )
    var dest: String
    @OptionGroup var remote: RemoteOptionGroup
    @Option(help: "Only files from this time on (the formats of download's --start).")
    var start: String?
    @Option(help: "Only files before this time.")
    var end: String?
    @Option(help: "Comma-separated camera ids or names, or all.")
    var cameras = "all"

    func run() async throws {
        do {
            // On a remote, uploading the two files is journalled in the state: that takes its lock.
            var isRemote = false
            if case .remote = ArchiveLocation(dest) { isRemote = true }
            let target = try await remote.open(
                dest, create: false, exclusive: isRemote, logger: makeLogger(level: "warning"))
            let state = try target.state(create: false, exclusive: false)
            var job = ManifestJob(destination: target.folder)
            job.remote = target.remote
            job.cameras = CameraSelection.tokens(cameras)
            let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
            do {
                let from = try start.map { try UserTime.parse($0, defaultZone: zone).milliseconds } ?? Int64.min
                let to = try end.map { try UserTime.parse($0, defaultZone: zone).milliseconds } ?? Int64.max
                guard from < to else { throw TimeError.endNotAfterStart }
                job.range = from..<to
            } catch let error as TimeError {
                throw ArchiveError.time(error)
            }
            let written = try await job.write(state: state)
            if target.remote != nil {
                Console.write(
                    "\(written.count) files listed in \(written.files.joined(separator: " and ")), in "
                        + "\(target.folder.path) and uploaded to \(dest); check the remote copy with: "
                        + "rclone checksum sha256 SHA256SUMS \(dest) --download --one-way", to: .standardOutput)
            } else {
                Console.write(
                    "\(written.count) files listed in \(written.files.joined(separator: " and ")); check them with: "
                        + "cd \(dest) && sha256sum -c SHA256SUMS", to: .standardOutput)
            }
        } catch {
            throw fail(error)
        }
    }
}
