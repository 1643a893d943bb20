import Foundation
import ProtectAPI

extension SyncJob {
    /// The name of the upload gate a first sync's listing holds (see `RemoteStore.holdUploads`).
    static let listingGate = "listing"

    /// A remote archive whose state records no complete file yet (its first sync) can have nothing gone: its
    /// listing, which proves the remote is the archive this state belongs to (and marks a new one), runs beside the
    /// downloads rather than before them, and no upload sends anything before it passed. With the remote's checks
    /// also running beside the console's first answers (see `RemoteStore.open`), the first files are spooled while
    /// rclone connects (on SFTP an SSH handshake and its probe of the server's commands, about 0.4 s). Whether the
    /// remote was listed, once it was.
    func listBeside(_ remote: RemoteStore, cameras: [Camera], stream: String, state: ArchiveState, firstPass: Bool)
        -> Task<Bool, any Error>
    {
        let listing = Task {
            var report = SyncReport()
            // Nothing is recorded complete, so nothing is found gone: no file becomes complete before this ends,
            // as every upload waits for it.
            _ = try await findGone(
                cameras: cameras, stream: stream, state: state, firstPass: firstPass, report: &report)
            return report.destinationListed
        }
        remote.holdUploads(Self.listingGate, until: Task { _ = try await listing.value }, reportedByOwner: true)
        return listing
    }

    /// Runs `engine` over `work`; with a listing `beside` it, a listing that fails stops the downloads and its error
    /// is the pass's (the uploads waiting for it failed with it too).
    static func run(
        _ engine: DownloadEngine, _ work: [ExportItem], client: ProtectClient, beside listing: Task<Bool, any Error>?,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> DownloadSummary {
        guard let listing else { return try await engine.run(work, client: client, onEvent: onEvent) }
        let downloads = Task { try await engine.run(work, client: client, onEvent: onEvent) }
        let watcher = Task {
            if case .failure = await listing.result { downloads.cancel() }
        }
        defer { watcher.cancel() }
        let result = await withTaskCancellationHandler {
            await downloads.result
        } onCancel: {
            downloads.cancel()
            listing.cancel()
        }
        // A listing cancelled with the pass (a signal): the downloads' summary says the pass was interrupted.
        if case .failure(let error) = await listing.result, !(error is CancellationError) { throw error }
        return try result.get()
    }
}
