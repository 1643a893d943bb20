/// How to reach and trust a console, and how to keep a session alive on it.
public struct ConsoleConfiguration: Sendable {
    /// The console generation, or `automatic` to detect it.
    public enum Generation: String, Sendable, CaseIterable {
        case automatic = "auto"
        /// CloudKey Gen2+ before UniFi OS: bearer token and access keys under `/api/`.
        case legacy
        /// UniFi OS consoles: cookie and CSRF token, API under `/proxy/protect/api/`.
        case unifiOS = "unifi-os"
    }

    /// How the console's TLS certificate is checked.
    public enum CertificateCheck: Sendable, Equatable {
        /// Not checked (the original downloader's default; consoles use self-signed certificates).
        case none
        /// Verified against the system's certificate authorities.
        case system
        /// Verified against the CA certificate(s) in a PEM file.
        case caFile(String)
        /// Only the certificate with this SHA-256 fingerprint (hex, colons optional) is accepted.
        case pinned(sha256: String)
    }

    /// Timeouts of the HTTP connection.
    public struct Timeouts: Sendable {
        /// Seconds to establish a connection.
        public var connect: Double = 10
        /// Seconds a response may stay silent (head or body) before the request fails.
        public var idleRead: Double = 60
        public init() {}
    }

    /// When a legacy console's bearer token and access key are renewed.
    public struct LegacyRefresh: Sendable {
        /// Exports per access key before a new one is fetched.
        public var downloadsBeforeKeyRefresh = 3
        /// Exports per login before logging in again.
        public var downloadsBeforeAuthRefresh = 10
        public init() {}
    }

    /// How API calls (bootstrap, events, images) are retried after a 5xx, 429 or network failure.
    public struct APIRetries: Sendable {
        /// Further attempts after the first.
        public var count = 3
        /// Seconds before the first retry; doubles with each attempt.
        public var delay: Double = 1
        public init() {}
    }

    public var host: String
    /// The port; nil picks the generation's default (443 for UniFi OS, 7443 for legacy).
    public var port: Int?
    public var generation: Generation = .automatic
    public var certificateCheck: CertificateCheck = .none
    public var timeouts = Timeouts()
    public var legacyRefresh = LegacyRefresh()
    public var apiRetries = APIRetries()
    /// Logins retried after a 429 before giving up.
    public var loginRateLimitRetries = 3
    /// Longest wait honoured from a 429's `Retry-After`, in seconds.
    public var maximumRetryAfter: Double = 120
    /// Waits between retries (the system's clock; tests move a clock of their own instead).
    public var time = TimeSource.system

    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }

    static func defaultPort(for generation: Generation) -> Int {
        generation == .legacy ? 7443 : 443
    }
}

/// A local console user's name and password; the password never appears in descriptions or logs.
public struct Credentials: Sendable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "Credentials(username: \(username), password: <redacted>)" }
}

extension ConsoleConfiguration {
    /// How API calls are tried again: doubling waits, at least the console's `Retry-After` (up to a ceiling).
    var apiRetryPolicy: RetryPolicy {
        RetryPolicy(
            retries: apiRetries.count, delay: apiRetries.delay, retryAfter: .atLeast(ceiling: maximumRetryAfter),
            time: time)
    }

    /// How a rate-limited login is tried again: the console's `Retry-After`, or 10 s more each time; capped.
    var loginRetryPolicy: RetryPolicy {
        RetryPolicy(
            retries: loginRateLimitRetries, delay: 10, growth: .linear(steps: .max), retryAfter: .instead,
            maximumDelay: maximumRetryAfter, time: time)
    }
}
