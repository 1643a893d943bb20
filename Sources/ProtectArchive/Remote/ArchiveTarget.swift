import Foundation
import Logging

/// An archive opened for a command: the local folder that holds its state (and, for a local archive, its files),
/// and the remote its files go to, if any.
public struct ArchiveTarget: Sendable {
    /// The local archive folder, or the local state folder of a remote archive.
    public let folder: URL
    public let remote: RemoteStore?

    /// Opens `--dest`: a local folder as it is (checked later by the job), or a remote through rclone, checked now
    /// (or, without `checkFirst`, beside what the caller does next: see `RemoteStore.open`).
    public static func open(
        _ dest: String, rclone: RcloneConfiguration, stateDir: String?, create: Bool = true, exclusive: Bool = true,
        checkFirst: Bool = true, logger: Logger
    ) async throws -> ArchiveTarget {
        switch ArchiveLocation(dest) {
        case .local(let url):
            return ArchiveTarget(folder: url, remote: nil)
        case .remote(let spec):
            let folder = ArchiveLocation.stateFolder(for: spec, given: stateDir, environment: rclone.environment)
            let store = try await RemoteStore.open(
                spec, rclone: rclone, stateFolder: folder, create: create, exclusive: exclusive, checkFirst: checkFirst,
                logger: logger)
            return ArchiveTarget(folder: folder, remote: store)
        }
    }

    /// The archive's state: the remote's (already open), or the local folder's.
    public func state(create: Bool = true, exclusive: Bool = true) throws -> ArchiveState {
        if let remote { return remote.state }
        return try ArchiveState(destination: folder, create: create, exclusive: exclusive)
    }

    /// Puts the engine's files where this archive keeps them.
    public func apply(to engine: inout EngineOptions) {
        engine.destination = folder
        engine.remote = remote
    }
}
