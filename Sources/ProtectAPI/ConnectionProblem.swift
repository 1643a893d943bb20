import Foundation

/// Why a console could not be reached at all, each with a sentence of its own.
public enum ConnectionProblem: Sendable, Equatable {
    /// Nothing listens on that port (the host answered with a reset).
    case refused
    /// The host name could not be resolved.
    case nameNotResolved
    /// No answer within the connect timeout.
    case timedOut(seconds: Double)
    /// No route to the host or its network.
    case unreachable
    /// The port speaks plain HTTP, not HTTPS.
    case plainHTTP
    /// The two sides share no TLS protocol version or cipher.
    case tlsProtocolMismatch
    /// The port closed the connection during the TLS handshake.
    case closedDuringHandshake
    /// Something else, already in words.
    case other(String)

    /// The sentence for `host:port`.
    public func sentence(host: String, port: Int) -> String {
        let target = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        switch self {
        case .refused:
            return "Connection refused by \(target): nothing listens on that port (check --address and --port)."
        case .nameNotResolved:
            return "The host name \(host) could not be resolved (check --address)."
        case .timedOut(let seconds):
            return "\(target) did not answer within \(Int(seconds.rounded())) s (is the console on and reachable?)."
        case .unreachable:
            return "There is no route to \(target) (check the network and --address)."
        case .plainHTTP:
            return "\(target) speaks plain HTTP, not HTTPS: this is not the console's HTTPS port (check --port)."
        case .tlsProtocolMismatch:
            return "\(target) and protect-dl share no TLS protocol version or cipher (the console may be too old)."
        case .closedDuringHandshake:
            return "\(target) closed the connection during the TLS handshake (is it the console's HTTPS port?)."
        case .other(let text):
            return "Cannot connect to \(target): \(text)."
        }
    }
}
