import Foundation

/// What can go wrong talking to a console; each description is a sentence a user understands.
public enum ProtectError: Error, LocalizedError, Equatable {
    /// The console refused the username or password.
    case loginFailed(status: Int, reason: String)
    /// The account needs a second factor (a cloud or SSO account).
    case secondFactorRequired(reason: String)
    /// The console rate-limited logins and kept doing so.
    case loginRateLimited(retryAfter: Double?)
    /// A legacy console did not hand out an access key for exports.
    case accessKeyFailed(status: Int, reason: String)
    /// The console answered a request with an HTTP error.
    case httpError(status: Int, reason: String, request: String)
    /// The console is overloaded or restarting (429, 5xx); `retryAfter` is its `Retry-After`, in seconds.
    case consoleBusy(status: Int, reason: String, retryAfter: Double?)
    /// The console could not be reached, or the connection broke.
    case network(reason: String)
    /// No connection to the console could be made at all, and why.
    case connectionFailed(ConnectionProblem, host: String, port: Int)
    /// The console's certificate did not pass the chosen check.
    case certificateRejected(reason: String)
    /// The console answered with something other than what was asked for (e.g. an HTML page).
    case unexpectedContent(contentType: String, request: String)
    /// The console's JSON could not be read.
    case invalidResponse(reason: String)
    /// The console generation could not be determined.
    case generationUnknown(reason: String)

    public var errorDescription: String? {
        sentence.hasSuffix("..") ? String(sentence.dropLast()) : sentence
    }

    private var sentence: String {
        switch self {
        case .loginFailed(let status, let reason):
            "The console refused the login (HTTP \(status)): \(reason)."
        case .secondFactorRequired(let reason):
            "The console asks this account for a second factor (\(reason)); use a local console user without "
                + "two-factor authentication, with the Playback and Playback Download permissions."
        case .loginRateLimited(let retryAfter):
            "The console limits login attempts and still refuses them"
                + (retryAfter.map { " (it asks to wait \(Int($0)) s)" } ?? "") + "; wait a minute and try again."
        case .accessKeyFailed(let status, let reason):
            "The console did not give an access key for downloads (HTTP \(status)): \(reason)."
        case .httpError(let status, let reason, let request):
            "The console answered \(request) with HTTP \(status): \(reason)."
        case .consoleBusy(let status, let reason, _):
            "The console is busy or restarting (HTTP \(status)): \(reason)."
        case .network(let reason):
            "The console could not be reached or the connection broke: \(reason)."
        case .connectionFailed(let problem, let host, let port):
            problem.sentence(host: host, port: port)
        case .certificateRejected(let reason):
            "The console's TLS certificate was rejected: \(reason)."
        case .unexpectedContent(let contentType, let request):
            "The console answered \(request) with \(contentType) instead of the expected data "
                + "(often a login page after the session expired)."
        case .invalidResponse(let reason):
            "The console's answer could not be read: \(reason)."
        case .generationUnknown(let reason):
            "Could not tell whether this is a UniFi OS or a legacy console: \(reason); set --console explicitly."
        }
    }
}
