import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension Transport {
    /// The error an API answer other than 200 is: overload or restart (429, 5xx, with its `Retry-After`) or an HTTP
    /// error with the console's reason.
    static func failure(status: Int, reason: String, headers: HTTPHeaders, request: String) -> ProtectError {
        if status == 429 || status >= 500 {
            return .consoleBusy(
                status: status, reason: reason, retryAfter: headers.first(name: "Retry-After").flatMap(Double.init))
        }
        return .httpError(status: status, reason: reason, request: request)
    }

    static func translate(_ error: any Error) -> any Error {
        if error is ProtectError || error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout:
                return ProtectError.network(
                    reason: "the console sent no data for too long (read timeout)", underlying: error)
            case .connectTimeout: return ProtectError.network(reason: "connecting timed out", underlying: error)
            case .deadlineExceeded: return ProtectError.network(reason: "the request timed out", underlying: error)
            case .remoteConnectionClosed:
                return ProtectError.network(reason: "the console closed the connection", underlying: error)
            case .cancelled: return CancellationError()
            default: return ProtectError.network(reason: sanitized(error), underlying: error)
            }
        }
        if let error = error as? NIOSSLError {
            if case .handshakeFailed = error {
                return ProtectError.certificateRejected(
                    reason: "the TLS handshake failed (\(sanitized(error)))", underlying: error)
            }
            return ProtectError.network(reason: "TLS: \(sanitized(error))", underlying: error)
        }
        if let error = error as? BoringSSLError {
            return ProtectError.certificateRejected(reason: sanitized(error), underlying: error)
        }
        if let error = error as? IOError, error.errnoCode == ECONNRESET {
            return ProtectError.network(reason: "the console reset the connection", underlying: error)
        }
        if let error = error as? NIOConnectionError {
            // The one-sentence connection message the first connection gives, never NIO's own text.
            let problem = connectProblem(error, timeout: 0)
            let reason: String
            if case .timedOut = problem {
                reason = "connecting to \(error.host):\(error.port) timed out"
            } else {
                let sentence = problem.sentence(host: error.host, port: error.port)
                reason = sentence.prefix(1).lowercased() + sentence.dropFirst().dropLast()
            }
            return ProtectError.network(reason: reason, underlying: error)
        }
        if let error = error as? IOError {
            // A pooled connection made again mid-run (the console restarting): the system's words, not NIO's text.
            let text = String(cString: strerror(error.errnoCode)).lowercased()
            return ProtectError.network(reason: "connecting again failed: \(text)", underlying: error)
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return ProtectError.network(reason: "connecting timed out", underlying: error)
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return ProtectError.network(reason: "the connection was closed", underlying: error)
            default: return ProtectError.network(reason: "the connection failed", underlying: error)
            }
        }
        return ProtectError.network(reason: sanitized(error), underlying: error)
    }

    /// The console's own reason from an error body: its JSON `error`, `message` or `code`, or the page title.
    static func reason(from text: String, _ headers: HTTPHeaders) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            for key in ["error", "message", "code"] {
                if let value = object[key] as? String, !value.isEmpty { return value }
            }
        }
        if let start = text.range(of: "<title>"), let end = text.range(of: "</title>"),
            start.upperBound < end.lowerBound
        {
            return String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "no reason given" }
        return String(trimmed.prefix(200))
    }

    static func meansNoFootage(_ reason: String) -> Bool {
        let lower = reason.lowercased()
        return lower.contains("no files found") || lower.contains("track information is not valid")
    }
}
