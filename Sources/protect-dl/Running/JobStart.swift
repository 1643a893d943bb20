import ArgumentParser
import Logging
import ProtectArchive

/// The one way a command that saves files starts its job: `--dest` opened (a remote checked before the console is
/// asked anything), the job built with its files put there, its own checks run, and, for the jobs that keep one,
/// the archive state opened. A failure is rendered (after the console's name, beside others) and ends the command.
enum JobStart {
    /// Opens `dest`, builds the job there and checks it. `checkFirst: false`: a remote's checks run beside the job's
    /// first steps (see `RemoteStore.open`).
    static func prepare<Job>(
        _ dest: String, remote: RemoteOptionGroup, console: String? = nil, checkFirst: Bool = true, logger: Logger,
        build: (ArchiveTarget) throws -> Job, check: (Job) throws -> Void
    ) async throws -> (job: Job, target: ArchiveTarget) {
        do {
            let target = try await remote.open(dest, checkFirst: checkFirst, logger: logger)
            let job = try build(target)
            try check(job)
            return (job, target)
        } catch {
            throw fail(error, console: console)
        }
    }

    /// `prepare`, then the archive state opened (and locked) for the job.
    static func prepareWithState<Job>(
        _ dest: String, remote: RemoteOptionGroup, console: String? = nil, checkFirst: Bool = true, logger: Logger,
        build: (ArchiveTarget) throws -> Job, check: (Job) throws -> Void
    ) async throws -> (job: Job, state: ArchiveState) {
        let (job, target) = try await prepare(
            dest, remote: remote, console: console, checkFirst: checkFirst, logger: logger, build: build, check: check)
        do {
            return (job, try target.state())
        } catch {
            throw fail(error, console: console)
        }
    }
}
