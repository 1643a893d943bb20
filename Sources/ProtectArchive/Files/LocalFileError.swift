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
