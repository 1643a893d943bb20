import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive
import Synchronization

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
    @OptionGroup(title: "Alerts") var alerts: NotifyOptionGroup
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
        let missing = report.problems.filter { $0.kind == .missing }.count
        let altered = report.problems.filter { $0.kind == .altered }.count
        let alerting = alerts.settings(defaultStale: nil)
        _ = try? await AlertCenter.withCenter(console: "default", settings: alerting, state: state, logger: logger) {
            $0.verified(missing: missing, altered: altered)
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
