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

    /// `--touch-files` makes placeholders on a local disk only.
    func check(dest: String) throws {
        if touchFiles, case .remote = ArchiveLocation(dest) {
            throw ValidationError(
                "--touch-files makes empty placeholders on a local disk; a remote never shows a file before it is whole."
            )
        }
    }

    func apply(to options: inout EngineOptions) {
        options.skipExistingFiles = skipExistingFiles
        options.touchFiles = touchFiles
        options.ignoreFailedDownloads = ignoreFailedDownloads
        options.waitBetweenDownloads = waitBetweenDownloads
        pace.apply(to: &options)
    }
}
