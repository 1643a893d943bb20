import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive
import Synchronization

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
