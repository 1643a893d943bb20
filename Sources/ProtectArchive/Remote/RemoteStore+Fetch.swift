import Foundation

extension RemoteStore {
    /// Copies the archive's files at `paths` (relative) from the remote into `folder` under the same paths, for a
    /// command that reads footage with local tools (`clip` from a remote archive); a file missing is an error.
    public func fetch(_ paths: [String], into folder: URL) async throws {
        for path in paths {
            try SafePath.check(path, in: folder)
            let local = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: local.path) { continue }
            let parameters = ["srcFs": root, "srcRemote": path, "dstFs": folder.path, "dstRemote": path]
            guard try await call("operations/copyfile", parameters, doing: "fetch \(path)") != nil,
                FileManager.default.fileExists(atPath: local.path)
            else {
                throw RemoteError.failed(remote: root, doing: "fetch \(path)", reason: "it is not there any more")
            }
        }
    }
}
