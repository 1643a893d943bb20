import ArgumentParser
import Foundation
import Logging
import ProtectArchive

/// How a remote `--dest` (`remote:path`) is reached through rclone.
struct RemoteOptionGroup: ParsableArguments {
    @Option(help: "The rclone binary for a remote --dest (remote:path).")
    var rclone = "rclone"
    @Option(help: "rclone's config file (default: rclone's own, and RCLONE_CONFIG_* variables).")
    var rcloneConfig: String?
    @Option(help: "The local folder keeping a remote archive's state (default: ~/.local/state/protect-dl/remotes/...).")
    var stateDir: String?
    @Option(help: "Uploads to a remote at the same time, at most.")
    var uploadJobs = 4
    @Option(help: "Bandwidth limit for uploads, as rclone's --bwlimit takes it (e.g. 10M, or \"08:00,5M 23:00,off\").")
    var bwlimit: String?
    @Flag(
        help: """
            Stream each file from the console straight to rclone, with no local copy in the state folder (less local \
            disk; slower, and no S3 hash).
            """)
    var streamUploads = false
    @Option(
        help: "Seconds rclone may take to answer a call (during an upload: to show it is alive) before it is stopped.")
    var rcloneTimeout = 300

    func validate() throws {
        guard uploadJobs >= 1 else { throw ValidationError("--upload-jobs must be at least 1.") }
        guard rcloneTimeout >= 1 else { throw ValidationError("--rclone-timeout must be at least 1 second.") }
    }

    var configuration: RcloneConfiguration {
        var configuration = RcloneConfiguration()
        configuration.executable = rclone
        configuration.configFile = rcloneConfig
        configuration.uploadJobs = uploadJobs
        configuration.bandwidthLimit = bwlimit
        configuration.spool = !streamUploads
        configuration.answerTimeout = .seconds(rcloneTimeout)
        return configuration
    }

    /// Opens `dest`, checking a remote (rclone, the remote, its credentials) before the console is asked anything,
    /// or, without `checkFirst`, while it is.
    func open(_ dest: String, create: Bool = true, exclusive: Bool = true, checkFirst: Bool = true, logger: Logger)
        async throws -> ArchiveTarget
    {
        try await ArchiveTarget.open(
            dest, rclone: configuration, stateDir: stateDir, create: create, exclusive: exclusive,
            checkFirst: checkFirst, logger: logger)
    }
}
