import Foundation

/// What the console has seen and done, for tests to assert on (`GET /__sim/stats`).
public struct ConsoleStats: Sendable, Codable, Equatable {
    /// Successful logins.
    public var logins = 0
    /// Logins refused for bad credentials, MFA or rate limiting.
    public var failedLogins = 0
    /// Legacy access keys handed out.
    public var accessKeysIssued = 0
    /// Exports answered with a body.
    public var exports = 0
    /// Exports whose body was sent to the end.
    public var completedExports = 0
    /// Exports refused because the console was overloaded.
    public var overloadRejections = 0
    /// Exports answered with "No files found".
    public var emptyExports = 0
    public var currentExports = 0
    public var peakConcurrentExports = 0
    public var bytesServed: Int64 = 0
    /// Requests by HTTP status, keyed by the status as text.
    public var requestsByStatus: [String: Int] = [:]
    /// Requests by endpoint kind (e.g. "export", "bootstrap", "login").
    public var requestsByEndpoint: [String: Int] = [:]
    /// Live events that started while the console ran, and those of them that ended.
    public var eventsCreated = 0
    public var eventsEnded = 0
    /// Live events whose end was never announced on the websocket (the `unendedEventCount` fault).
    public var eventsEndedSilently = 0
    /// The private websocket's counters.
    public var websocket = WebSocketStats()
    public init() {}
}
