import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

#if canImport(Glibc)
    import Glibc
#endif

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
