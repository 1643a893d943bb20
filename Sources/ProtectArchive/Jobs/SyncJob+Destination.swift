import Foundation
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// What `sync` found of the destination: complete files gone from it, by camera and start.
struct GoneFiles {
    var starts: [String: Set<Int64>] = [:]
    var paths: [String] = []
}

extension SyncJob {
    /// The state's key for the archive id a remote archive's root is marked with.
    public static let archiveIDKey = "archiveID"
    /// The state's key for when the remote was last listed (milliseconds since 1970).
    public static let listedAtKey = "destinationListedAt"

    /// The destination is the truth and the state its index: finds the complete files of `cameras` gone from the
    /// destination and marks them `missing`, so this pass downloads again those the console still has. A local
    /// archive costs one `stat` per complete file; a remote one a listing, on a process's first pass and then at
    /// most every `remoteListingInterval`, which also proves the remote is the archive this state belongs to.
    func findGone(cameras: [Camera], stream: String, state: ArchiveState, firstPass: Bool, report: inout SyncReport)
        async throws -> GoneFiles
    {
        let exists: (String) -> Bool
        if let remote = options.engine.remote {
            let now = options.engine.clock.now()
            let last = try state.meta(Self.listedAtKey).flatMap { Int64($0) }
            if !firstPass, let last, now - last < Int64(options.remoteListingInterval * 1000) { return GoneFiles() }
            let listing = try await remote.list()
            try await Self.checkIdentity(remote, listing: listing, state: state, mark: !options.dryRun)
            if !options.dryRun { try state.setMeta(Self.listedAtKey, String(now)) }
            report.destinationListed = true
            exists = { listing[$0] != nil }
        } else {
            let root = options.engine.destination.standardizedFileURL.path
            exists = { path in
                var info = stat()
                // Only "no such file" counts: a file that cannot be looked at (permissions, I/O) is verify's concern.
                return stat(root + "/" + path, &info) == 0 || (errno != ENOENT && errno != ENOTDIR)
            }
        }
        var gone = GoneFiles()
        for camera in cameras {
            for file in try state.completeFiles(cameraID: camera.id, stream: stream) where !exists(file.path) {
                gone.starts[camera.id, default: []].insert(file.start)
                gone.paths.append(file.path)
            }
        }
        gone.paths.sort()
        report.goneFromDestination = gone.paths
        guard !gone.paths.isEmpty else { return gone }
        let warning =
            "\(gone.paths.count) files recorded complete are gone from the destination (the first: \(gone.paths[0]));"
            + " those the console still has are downloaded again."
        logger.warning("\(warning)")
        if !options.dryRun {
            let when = TimeFormatting.iso(options.engine.clock.now())
            try state.recordMissing(paths: gone.paths, reason: "gone from the destination (found by sync at \(when))")
            if options.engine.remote != nil {
                for path in gone.paths { try state.forgetRemoteFile(path: path) }
            }
        }
        return gone
    }

    /// Checks that a remote holds the archive the state belongs to: the id the state recorded must mark the
    /// remote's root. A state without an id takes the one found, or (with `mark`) marks the root with a new one.
    public static func checkIdentity(
        _ remote: RemoteStore, listing: [String: RemoteObject], state: ArchiveState, mark: Bool
    ) async throws {
        let found = RemoteStore.archiveIDs(in: listing)
        if let recorded = try state.meta(archiveIDKey) {
            guard found.contains(recorded) else {
                throw StateError.otherDestination(
                    state: state.destination.path, destination: remote.root, recorded: recorded, found: found.first)
            }
            return
        }
        guard mark else { return }
        if let existing = found.first {
            try state.setMeta(archiveIDKey, existing)
        } else {
            let id = UUID().uuidString.lowercased()
            try await remote.markArchive(id)
            try state.setMeta(archiveIDKey, id)
        }
    }
}
