import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension Transport {
    /// Names a failure to connect.
    static func connectProblem(_ error: any Error, timeout: Double) -> ConnectionProblem {
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty { return .nameNotResolved }
            return error.connectionErrors.map { connectProblem($0.error, timeout: timeout) }.first {
                if case .other = $0 { return false } else { return true }
            } ?? .other(sanitized(error.connectionErrors[0].error))
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case ENETUNREACH, EHOSTUNREACH: return .unreachable
            case ETIMEDOUT: return .timedOut(seconds: timeout)
            default: return .other(String(cString: strerror(error.errnoCode)).lowercased())
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timedOut(seconds: timeout) }
        if error is SocketAddressError { return .nameNotResolved }
        let text = "\(error)"
        if text.contains("connectTimeout") { return .timedOut(seconds: timeout) }
        if text.contains("refused") { return .refused }
        return .other(sanitized(error))
    }

    /// Names a failed TLS handshake: a plain-HTTP port, no common protocol, or a rejected certificate.
    static func handshakeError(_ error: any Error, host: String, port: Int, timeout: Double) -> ProtectError {
        let text = "\(error)"
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") {
            return .connectionFailed(.plainHTTP, host: host, port: port, underlying: error)
        }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL")
            || text.contains("NO_PROTOCOLS_AVAILABLE") || text.contains("NO_SHARED_CIPHER")
            || text.contains("HANDSHAKE_FAILURE")
        {
            return .connectionFailed(.tlsProtocolMismatch, host: host, port: port, underlying: error)
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") {
            return .certificateRejected(reason: "it failed verification (\(verifyReason(text)))", underlying: error)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .connectionFailed(.timedOut(seconds: timeout), host: host, port: port, underlying: error)
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return .connectionFailed(.closedDuringHandshake, host: host, port: port, underlying: error)
        }
        return .connectionFailed(
            .other("the TLS handshake failed (\(sanitized(error)))"), host: host, port: port, underlying: error)
    }

    static func verifyReason(_ text: String) -> String {
        for (needle, words) in [
            ("self signed", "self-signed; pin it with --pin-sha256 or trust its CA with --ca-cert"),
            ("SELF_SIGNED", "self-signed; pin it with --pin-sha256 or trust its CA with --ca-cert"),
            ("expired", "expired"), ("EXPIRED", "expired"),
            ("unable to get local issuer", "issued by an authority not trusted here"),
            ("UNABLE_TO_GET_ISSUER", "issued by an authority not trusted here"),
            ("hostname", "issued for another host name"), ("HOSTNAME", "issued for another host name"),
        ] where text.contains(needle) {
            return words
        }
        return "not issued by an authority trusted here; for a self-signed console use --pin-sha256 or --ca-cert"
    }

    /// An error's text without source-file paths and line numbers of the machine that built it.
    static func sanitized(_ error: any Error) -> String {
        ErrorText.withoutSourcePaths("\(error)")
    }
}
