import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failure of the local machine (disk full, no permission, read-only file system), named as such and keeping
/// the system's error number and the path.
public struct LocalFileError: Error, LocalizedError, Sendable {
    /// What kind of local fault it is.
    public enum Kind: Sendable, Equatable {
        case diskFull, notWritable, other
    }

    public let errno: Int32
    public let path: String
    /// What protect-dl was doing: "write", "create", "rename the finished file", ...
    public let doing: String

    public init(errno: Int32, path: String, doing: String) {
        self.errno = errno
        self.path = path
        self.doing = doing
    }

    /// Keeps the POSIX error number of a Foundation file error.
    public init(_ error: any Error, path: String, doing: String) {
        if let local = error as? LocalFileError {
            self = local
            return
        }
        let nsError = error as NSError
        var number: Int32 = EIO
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            number = Int32(underlying.code)
        } else if nsError.domain == NSPOSIXErrorDomain {
            number = Int32(nsError.code)
        } else if nsError.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileWriteOutOfSpace: number = ENOSPC
            case .fileWriteNoPermission, .fileReadNoPermission: number = EACCES
            case .fileWriteVolumeReadOnly: number = EROFS
            default: number = EIO
            }
        }
        self.init(errno: number, path: path, doing: doing)
    }

    public var kind: Kind {
        switch errno {
        case ENOSPC, EDQUOT: return .diskFull
        case EACCES, EPERM, EROFS: return .notWritable
        default: return .other
        }
    }

    public var errorDescription: String? {
        switch kind {
        case .diskFull:
            return "The disk holding \(path) is full (or over its quota); complete files are kept, nothing partial "
                + "is left. Free space and run again."
        case .notWritable:
            return "Cannot \(doing) \(path): \(String(cString: strerror(errno)).lowercased())."
        case .other:
            return "Cannot \(doing) \(path): \(String(cString: strerror(errno)).lowercased())."
        }
    }

    /// Whether `error` (or the failure it wraps) is a full disk.
    public static func isDiskFull(_ error: any Error) -> Bool {
        if let local = error as? LocalFileError { return local.kind == .diskFull }
        if case ArchiveError.downloadFailed(_, let underlying, _) = error { return isDiskFull(underlying) }
        return false
    }
}

/// Small questions about local files, answered without following the caller into Foundation's error types.
enum LocalFile {
    /// The size of a regular file (following no symbolic link at the last component), or nil if there is none.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}

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

/// The wall clock in milliseconds since 1970, injectable so tests never depend on the hour they run in.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    /// The system's clock.
    public static let system = WallClock { Int64(Date().timeIntervalSince1970 * 1000) }
    /// A clock that always shows `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> WallClock { WallClock { milliseconds } }
}
