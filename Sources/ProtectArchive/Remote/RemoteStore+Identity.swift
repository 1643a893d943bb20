import Foundation

extension RemoteStore {
    /// The name, at the remote's root, of the empty file that carries an archive's id (the rest of the name).
    public static let archiveMarkerPrefix = ".protect-dl-archive-"

    /// The archive ids marked at the root of a listing, sorted.
    public static func archiveIDs(in listing: [String: RemoteObject]) -> [String] {
        listing.keys.filter { !$0.contains("/") && $0.hasPrefix(archiveMarkerPrefix) }
            .map { String($0.dropFirst(archiveMarkerPrefix.count)) }.sorted()
    }

    /// Marks the remote's root with an archive id: an empty file named after it, so every listing shows it.
    public func markArchive(_ id: String) async throws {
        let output = try await rclone.run(["touch", remotePath(Self.archiveMarkerPrefix + id)])
        guard output.status == 0 else { throw Rclone.error(output, remote: root, doing: "mark the archive's root") }
    }
}
