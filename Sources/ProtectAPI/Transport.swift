import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// HTTP plumbing: the client, TLS checks, generation detection, error translation.
enum Transport {
    /// The HTTP client for a console whose certificate `leaf` the probe saw (and, for a pin, compared).
    static func makeHTTPClient(configuration: ConsoleConfiguration, tls: TLSConfiguration, logger: Logger)
        -> HTTPClient
    {
        var http = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(configuration.timeouts.connect * 1000)),
                read: .milliseconds(Int64(configuration.timeouts.idleRead * 1000))),
            decompression: .disabled)
        http.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: http, backgroundActivityLogger: logger)
    }

    /// The TLS settings of every connection to a console whose certificate `leaf` the probe saw (and, for a pin,
    /// compared): the HTTP client's and the websocket's.
    static func tlsConfiguration(configuration: ConsoleConfiguration, leaf: NIOSSLCertificate) throws
        -> TLSConfiguration
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.certificateCheck {
        case .none:
            tls.certificateVerification = .none
        case .system:
            tls.certificateVerification = .fullVerification
        case .caFile(let path):
            tls.trustRoots = .file(path)
            tls.certificateVerification = .fullVerification
        case .pinned(let fingerprint):
            let actual = try fingerprintHex(leaf)
            let wanted = CertificatePin.normalize(fingerprint) ?? fingerprint.uppercased()
            guard actual == wanted else {
                throw ProtectError.certificateRejected(
                    reason: "its SHA-256 fingerprint is \(CertificatePin.display(actual)), not the pinned "
                        + CertificatePin.display(wanted))
            }
            // Trust that certificate alone.
            tls.trustRoots = .certificates([leaf])
            tls.certificateVerification = .noHostnameVerification
        }
        // A console that stalls would otherwise hold a stop for NIOSSL's default 5 s wait for its close_notify.
        tls.shutdownTimeout = .milliseconds(250)
        return tls
    }

    /// Upper-case hex SHA-256 of a certificate's DER bytes.
    static func fingerprintHex(_ certificate: NIOSSLCertificate) throws -> String {
        Data(SHA256.hash(data: try certificate.toDERBytes())).map { String(format: "%02X", $0) }.joined()
    }

    /// Finds the HTTPS port that answers (the configured one, the generation's, or 443 then 7443) and its leaf.
    static func reach(configuration: ConsoleConfiguration) async throws -> (port: Int, leaf: NIOSSLCertificate) {
        let ports: [Int]
        if let port = configuration.port {
            ports = [port]
        } else if configuration.generation == .automatic {
            ports = [443, 7443]
        } else {
            ports = [ConsoleConfiguration.defaultPort(for: configuration.generation)]
        }
        var firstError: (any Error)?
        for port in ports {
            do {
                return (port, try await probe(host: configuration.host, port: port, configuration: configuration))
            } catch let error as ProtectError {
                guard case .connectionFailed(let problem, _, _) = error, problem == .refused else { throw error }
                firstError = firstError ?? error
            }
        }
        throw firstError ?? ProtectError.generationUnknown(reason: "no port answered")
    }

    /// Connects once and completes a TLS handshake with the connection's own certificate check, so that a refused
    /// port, an unknown name, a plain-HTTP port, a protocol mismatch or a rejected certificate is told at once and
    /// in words (the HTTP client would retry such connections until its connect timeout). Returns the leaf.
    static func probe(host: String, port: Int, configuration: ConsoleConfiguration) async throws
        -> NIOSSLCertificate
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.certificateCheck {
        case .none, .pinned: tls.certificateVerification = .none
        case .system: tls.certificateVerification = .fullVerification
        case .caFile(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ProtectError.certificateRejected(reason: "the CA file \(path) cannot be read")
            }
            tls.trustRoots = .file(path)
            tls.certificateVerification = .fullVerification
        }
        let timeout = configuration.timeouts.connect
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: NIOSSLCertificate.self)
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        let channel: any NIOCore.Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: isAddress ? nil : host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw ProtectError.connectionFailed(connectProblem(error, timeout: timeout), host: host, port: port)
        }
        defer { channel.close(promise: nil) }
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            promise.fail(ChannelError.connectTimeout(.milliseconds(Int64(timeout * 1000))))
        }
        defer { deadline.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch {
            throw handshakeError(error, host: host, port: port, timeout: timeout)
        }
    }

    /// Waits for the TLS handshake and hands over the peer's leaf certificate.
    final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<NIOSSLCertificate>

        init(promise: EventLoopPromise<NIOSSLCertificate>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event as? TLSUserEvent ?? .shutdownCompleted {
                let promise = self.promise
                context.channel.nioSSL_peerCertificate().whenComplete { result in
                    switch result {
                    case .success(let certificate?): promise.succeed(certificate)
                    case .success(nil): promise.fail(NIOSSLError.noCertificateToValidate)
                    case .failure(let error): promise.fail(error)
                    }
                }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(NIOSSLError.uncleanShutdown)
            context.fireChannelInactive()
        }
    }

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
            return .connectionFailed(.plainHTTP, host: host, port: port)
        }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL")
            || text.contains("NO_PROTOCOLS_AVAILABLE") || text.contains("NO_SHARED_CIPHER")
            || text.contains("HANDSHAKE_FAILURE")
        {
            return .connectionFailed(.tlsProtocolMismatch, host: host, port: port)
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") {
            return .certificateRejected(reason: "it failed verification (\(verifyReason(text)))")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .connectionFailed(.timedOut(seconds: timeout), host: host, port: port)
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return .connectionFailed(.closedDuringHandshake, host: host, port: port)
        }
        return .connectionFailed(.other("the TLS handshake failed (\(sanitized(error)))"), host: host, port: port)
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

    /// The error an API answer other than 200 is: overload or restart (429, 5xx, with its `Retry-After`) or an HTTP
    /// error with the console's reason.
    static func failure(status: Int, reason: String, headers: HTTPHeaders, request: String) -> ProtectError {
        if status == 429 || status >= 500 {
            return .consoleBusy(
                status: status, reason: reason, retryAfter: headers.first(name: "Retry-After").flatMap(Double.init))
        }
        return .httpError(status: status, reason: reason, request: request)
    }

    /// Finds the console generation on `port`: UniFi OS answers `GET /` with an `X-CSRF-Token` header.
    static func detectGeneration(
        http: HTTPClient, configuration: ConsoleConfiguration, port: Int, logger: Logger
    ) async throws -> ConsoleConfiguration.Generation {
        if configuration.generation != .automatic { return configuration.generation }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let request = HTTPClientRequest(url: "https://\(host):\(port)/")
        let response = try await execute(http, request, timeout: configuration.timeouts.connect)
        _ = try? await collect(response)
        let generation: ConsoleConfiguration.Generation =
            response.headers.first(name: "X-CSRF-Token") != nil ? .unifiOS : .legacy
        logger.info("Detected a \(generation == .unifiOS ? "UniFi OS" : "legacy") console on port \(port).")
        return generation
    }

    static func execute(_ http: HTTPClient, _ request: HTTPClientRequest, timeout: Double) async throws
        -> HTTPClientResponse
    {
        do {
            return try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw translate(error)
        }
    }

    /// Reads a small body (an error or JSON) as text.
    static func collect(_ response: HTTPClientResponse, limit: Int = 1024 * 1024) async throws -> String {
        do {
            let buffer = try await response.body.collect(upTo: limit)
            return String(buffer: buffer)
        } catch {
            throw translate(error)
        }
    }

    static func translate(_ error: any Error) -> any Error {
        if error is ProtectError || error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout:
                return ProtectError.network(reason: "the console sent no data for too long (read timeout)")
            case .connectTimeout: return ProtectError.network(reason: "connecting timed out")
            case .deadlineExceeded: return ProtectError.network(reason: "the request timed out")
            case .remoteConnectionClosed: return ProtectError.network(reason: "the console closed the connection")
            case .cancelled: return CancellationError()
            default: return ProtectError.network(reason: sanitized(error))
            }
        }
        if let error = error as? NIOSSLError {
            if case .handshakeFailed = error {
                return ProtectError.certificateRejected(reason: "the TLS handshake failed (\(sanitized(error)))")
            }
            return ProtectError.network(reason: "TLS: \(sanitized(error))")
        }
        if let error = error as? BoringSSLError {
            return ProtectError.certificateRejected(reason: sanitized(error))
        }
        if let error = error as? IOError, error.errnoCode == ECONNRESET {
            return ProtectError.network(reason: "the console reset the connection")
        }
        if error is NIOConnectionError || error is IOError || error is ChannelError {
            return ProtectError.network(reason: "connecting again failed (\(sanitized(error)))")
        }
        return ProtectError.network(reason: sanitized(error))
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

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?"
            + items.map { name, value in
                "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? value)"
            }.joined(separator: "&")
    }
}
