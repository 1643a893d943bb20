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

/// A SHA-256 certificate fingerprint in the forms people paste.
public enum CertificatePin {
    /// Upper-case hex of `AB:CD:…`, `ABCD…`, `SHA256 AB:CD:…` or `sha256 Fingerprint=AB:CD:…`; nil if none of
    /// these.
    public static func normalize(_ text: String) -> String? {
        var rest = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["sha256 fingerprint=", "sha-256 fingerprint=", "sha256", "sha-256"] {
            if rest.lowercased().hasPrefix(prefix) {
                rest = String(rest.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
                break
            }
        }
        if rest.hasPrefix(":") || rest.hasPrefix("=") { rest = String(rest.dropFirst()) }
        let hex = rest.filter { $0 != ":" && $0 != " " }
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return hex.uppercased()
    }

    /// `AB:CD:…`, the form protect-sim and openssl print.
    public static func display(_ hex: String) -> String {
        var pairs: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            pairs.append(String(hex[index..<next]))
            index = next
        }
        return pairs.joined(separator: ":")
    }
}
