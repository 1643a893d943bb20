extension ProtectError {
    /// How soon a failure may be tried again.
    public enum RetryScope: Sendable {
        /// The same request again within seconds: only what a moment cures (the network, a busy console, 408/5xx).
        case request
        /// A later pass of a daemon, minutes on: also a console that was unreachable, rate-limited logins, any HTTP
        /// error and a page where an answer was expected (a console rebooting or behind a captive portal).
        case laterPass
    }

    /// Whether `error` may go away by itself if tried again within `scope`; the one classification used by the
    /// client's own retries and by the sync daemon's loop.
    public static func isTransient(_ error: any Error, within scope: RetryScope) -> Bool {
        switch (error, scope) {
        case (ProtectError.network, _), (ProtectError.consoleBusy, _):
            return true
        case (ProtectError.httpError(let status, _, _), .request):
            return status == 408 || status >= 500
        case (ProtectError.httpError, .laterPass), (ProtectError.unexpectedContent, .laterPass),
            (ProtectError.loginRateLimited, .laterPass), (ProtectError.connectionFailed, .laterPass):
            return true
        default:
            return false
        }
    }
}
