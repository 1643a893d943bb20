import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps every file of a run inside its destination: a symbolic link to a folder elsewhere must not carry files out.
public enum SafePath {
    /// Why a path under the destination would lead outside it.
    public struct Outside: Error, LocalizedError, Sendable {
        public let path: String
        public let link: String
        public var errorDescription: String? {
            "\(path) would be written outside the destination: \(link) is a symbolic link that leads out of it."
        }
    }

    /// Checks that every existing folder on the way to `relative` (and the file itself, if it exists) resolves
    /// inside `destination`.
    public static func check(_ relative: String, in destination: URL) throws {
        guard let root = realpath(destination.path, nil) else { return }
        let rootPath = String(cString: root)
        free(root)
        var current = destination.path
        for component in relative.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else { return }
            guard (info.st_mode & S_IFMT) == S_IFLNK else { continue }
            guard let resolved = realpath(current, nil) else {
                throw Outside(path: relative, link: current)
            }
            let resolvedPath = String(cString: resolved)
            free(resolved)
            if resolvedPath != rootPath && !resolvedPath.hasPrefix(rootPath == "/" ? "/" : rootPath + "/") {
                throw Outside(path: relative, link: current)
            }
        }
    }
}
