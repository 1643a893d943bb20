/// How soon a failure may be tried again.
public enum RetryScope: Sendable {
    /// The same request again within seconds: only what a moment cures (the network, a busy console, 408/5xx).
    case request
    /// The same export again within seconds, by the download engine: also a 401 that outlived the client's own
    /// re-login, a 429, a page where footage was expected, a file that failed its checks, an upload that broke.
    case export
    /// A later pass of a daemon, minutes on: also a console that was unreachable, rate-limited logins, any HTTP
    /// error and a page where an answer was expected (a console rebooting or behind a captive portal).
    case laterPass
}

/// An error that knows whether it may go away by itself if tried again.
public protocol TransientError: Error {
    /// Whether trying again within `scope` may succeed.
    func isTransient(within scope: RetryScope) -> Bool
}

/// The one classification of failures that may pass: used by the client's retries, the download engine's and the
/// daemons' loops. Each error type states its own rules (`TransientError`); any other error is final.
public enum Transience {
    /// Whether `error` may go away by itself if tried again within `scope`.
    public static func isTransient(_ error: any Error, within scope: RetryScope) -> Bool {
        (error as? any TransientError)?.isTransient(within: scope) ?? false
    }
}

extension ProtectError: TransientError {
    public func isTransient(within scope: RetryScope) -> Bool {
        switch (kind, scope) {
        case (.network, _), (.consoleBusy, _):
            return true
        case (.httpError, .request):
            return status.map { $0 == 408 || $0 >= 500 } ?? false
        case (.httpError, .export):
            // A 401 that outlived the client's own re-login (the session ended again in between, or a legacy access
            // key was spent by a parallel download) is worth another attempt.
            return status.map { $0 == 401 || $0 == 408 || $0 == 429 || $0 >= 500 } ?? false
        case (.unexpectedContent, .export):
            return true
        case (.httpError, .laterPass), (.unexpectedContent, .laterPass), (.loginRateLimited, .laterPass),
            (.connectionFailed, .laterPass):
            return true
        default:
            return false
        }
    }
}
