import Foundation

/// What can go wrong talking to a console: a kind to switch on (exit codes depend on it), the details its sentence
/// needs, and the error underneath where there was one; each description is a sentence a user understands.
public struct ProtectError: Error, LocalizedError, Equatable, Sendable {
    /// The kinds of failure, to switch on.
    public enum Kind: Sendable, Hashable {
        /// The console refused the username or password.
        case loginFailed
        /// The account needs a second factor (a cloud or SSO account).
        case secondFactorRequired
        /// The console rate-limited logins and kept doing so.
        case loginRateLimited
        /// A legacy console did not hand out an access key for exports.
        case accessKeyFailed
        /// The console answered a request with an HTTP error.
        case httpError
        /// The console is overloaded or restarting (429, 5xx).
        case consoleBusy
        /// The console could not be reached, or the connection broke.
        case network
        /// No connection to the console could be made at all.
        case connectionFailed
        /// The console's certificate did not pass the chosen check.
        case certificateRejected
        /// The console answered with something other than what was asked for (e.g. an HTML page).
        case unexpectedContent
        /// The console's answer could not be read.
        case invalidResponse
        /// The console generation could not be determined.
        case generationUnknown
    }

    private enum Code: Equatable, Sendable {
        case loginFailed(status: Int, reason: String)
        case secondFactorRequired(reason: String)
        case loginRateLimited(retryAfter: Double?)
        case accessKeyFailed(status: Int, reason: String)
        case httpError(status: Int, reason: String, request: String)
        case consoleBusy(status: Int, reason: String, retryAfter: Double?)
        case network(reason: String)
        case connectionFailed(ConnectionProblem, host: String, port: Int)
        case certificateRejected(reason: String)
        case unexpectedContent(contentType: String, request: String)
        case invalidResponse(reason: String)
        case generationUnknown(reason: String)
    }

    private let code: Code
    /// The error this one stands for (a transport, TLS or decoding error), when there was one.
    public let underlying: (any Error)?

    private init(_ code: Code, underlying: (any Error)? = nil) {
        self.code = code
        self.underlying = underlying
    }

    /// Two errors are equal when they say the same; the underlying errors are not compared.
    public static func == (lhs: ProtectError, rhs: ProtectError) -> Bool { lhs.code == rhs.code }

    /// The console refused the username or password.
    public static func loginFailed(status: Int, reason: String) -> ProtectError {
        ProtectError(.loginFailed(status: status, reason: reason))
    }
    /// The account needs a second factor (a cloud or SSO account).
    public static func secondFactorRequired(reason: String) -> ProtectError {
        ProtectError(.secondFactorRequired(reason: reason))
    }
    /// The console rate-limited logins and kept doing so.
    public static func loginRateLimited(retryAfter: Double?) -> ProtectError {
        ProtectError(.loginRateLimited(retryAfter: retryAfter))
    }
    /// A legacy console did not hand out an access key for exports.
    public static func accessKeyFailed(status: Int, reason: String) -> ProtectError {
        ProtectError(.accessKeyFailed(status: status, reason: reason))
    }
    /// The console answered `request` with an HTTP error.
    public static func httpError(status: Int, reason: String, request: String) -> ProtectError {
        ProtectError(.httpError(status: status, reason: reason, request: request))
    }
    /// The console is overloaded or restarting (429, 5xx); `retryAfter` is its `Retry-After`, in seconds.
    public static func consoleBusy(status: Int, reason: String, retryAfter: Double?) -> ProtectError {
        ProtectError(.consoleBusy(status: status, reason: reason, retryAfter: retryAfter))
    }
    /// The console could not be reached, or the connection broke; `underlying` is the transport's own error.
    public static func network(reason: String, underlying: (any Error)? = nil) -> ProtectError {
        ProtectError(.network(reason: reason), underlying: underlying)
    }
    /// No connection to the console could be made at all, and why.
    public static func connectionFailed(
        _ problem: ConnectionProblem, host: String, port: Int, underlying: (any Error)? = nil
    ) -> ProtectError {
        ProtectError(.connectionFailed(problem, host: host, port: port), underlying: underlying)
    }
    /// The console's certificate did not pass the chosen check.
    public static func certificateRejected(reason: String, underlying: (any Error)? = nil) -> ProtectError {
        ProtectError(.certificateRejected(reason: reason), underlying: underlying)
    }
    /// The console answered with something other than what was asked for (e.g. an HTML page).
    public static func unexpectedContent(contentType: String, request: String) -> ProtectError {
        ProtectError(.unexpectedContent(contentType: contentType, request: request))
    }
    /// The console's answer could not be read; `underlying` is the decoder's error.
    public static func invalidResponse(reason: String, underlying: (any Error)? = nil) -> ProtectError {
        ProtectError(.invalidResponse(reason: reason), underlying: underlying)
    }
    /// The console generation could not be determined.
    public static func generationUnknown(reason: String, underlying: (any Error)? = nil) -> ProtectError {
        ProtectError(.generationUnknown(reason: reason), underlying: underlying)
    }

    /// What kind of failure this is.
    public var kind: Kind {
        switch code {
        case .loginFailed: .loginFailed
        case .secondFactorRequired: .secondFactorRequired
        case .loginRateLimited: .loginRateLimited
        case .accessKeyFailed: .accessKeyFailed
        case .httpError: .httpError
        case .consoleBusy: .consoleBusy
        case .network: .network
        case .connectionFailed: .connectionFailed
        case .certificateRejected: .certificateRejected
        case .unexpectedContent: .unexpectedContent
        case .invalidResponse: .invalidResponse
        case .generationUnknown: .generationUnknown
        }
    }

    /// The HTTP status the console answered with, where it answered.
    public var status: Int? {
        switch code {
        case .loginFailed(let status, _), .accessKeyFailed(let status, _), .httpError(let status, _, _),
            .consoleBusy(let status, _, _):
            status
        default: nil
        }
    }

    /// The reason in words (the console's own where it gave one).
    public var reason: String? {
        switch code {
        case .loginFailed(_, let reason), .secondFactorRequired(let reason), .accessKeyFailed(_, let reason),
            .httpError(_, let reason, _), .consoleBusy(_, let reason, _), .network(let reason),
            .certificateRejected(let reason), .invalidResponse(let reason), .generationUnknown(let reason):
            reason
        default: nil
        }
    }

    /// The seconds the console asked to wait (`Retry-After`), where it did.
    public var retryAfter: Double? {
        switch code {
        case .loginRateLimited(let retryAfter), .consoleBusy(_, _, let retryAfter): retryAfter
        default: nil
        }
    }

    /// Why no connection could be made, for `connectionFailed`.
    public var connectionProblem: ConnectionProblem? {
        if case .connectionFailed(let problem, _, _) = code { return problem }
        return nil
    }

    public var errorDescription: String? {
        sentence.hasSuffix("..") ? String(sentence.dropLast()) : sentence
    }

    private var sentence: String {
        switch code {
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
