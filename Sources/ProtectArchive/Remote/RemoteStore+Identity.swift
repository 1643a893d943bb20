import Foundation

extension RemoteStore {
    /// The name, at the remote's root, of the empty file that carries an archive's id (the rest of the name).
    public static let archiveMarkerPrefix = ".protect-dl-archive-"

    /// The archive ids marked at the root of a listing, sorted.
    public static func archiveIDs(in listing: [String: RemoteObject]) -> [String] {
        listing.keys.filter { !$0.contains("/") && $0.hasPrefix(archiveMarkerPrefix) }
            .map { String($0.dropFirst(archiveMarkerPrefix.count)) }.sorted()
    }

    /// Marks the remote's root with an archive id: an empty file named after it, so every listing shows it. The
    /// file is sent by the run's daemon from an empty local file in the state folder (rclone's daemon has no
    /// `touch`; a separate `rclone touch` cost a connection of its own).
    public func markArchive(_ id: String) async throws {
        let name = Self.archiveMarkerPrefix + id
        let folder = state.destination.appendingPathComponent(ArchiveState.folderName)
        let empty = folder.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: empty.path, contents: nil) else {
            throw ArchiveError.destinationNotWritable(folder.path, reason: "an empty file cannot be created there")
        }
        defer { try? FileManager.default.removeItem(at: empty) }
        // An empty file's size says all: no hash compared (on SFTP that is a command run on the server, 0.1 s).
        let parameters: [String: Any] = [
            "srcFs": ":local:" + folder.path, "srcRemote": name, "dstFs": root, "dstRemote": name,
            "_config": ["IgnoreChecksum": true],
        ]
        _ = try await Self.ask(
            daemon, remote: root, "operations/copyfile", parameters, doing: "mark the archive's root")
    }
}
