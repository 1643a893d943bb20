import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// HTTP plumbing: the client, TLS checks, generation detection, error translation.
enum Transport {
    static func makeHTTPClient(configuration: ConsoleConfiguration, logger: Logger) async throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.certificateCheck {
        case .none:
            tls.certificateVerification = .none
        case .system:
            tls.certificateVerification = .fullVerification
        case .caFile(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ProtectError.certificateRejected(reason: "the CA file \(path) cannot be read")
            }
            tls.trustRoots = .file(path)
            tls.certificateVerification = .fullVerification
        case .pinned(let fingerprint):
            // Fetch the console's certificate, compare it with the pin, then trust that certificate alone.
            let port = configuration.port ?? ConsoleConfiguration.defaultPort(for: configuration.generation)
            let certificate = try await peerCertificate(
                host: configuration.host, port: port, timeout: configuration.timeouts.connect)
            let actual = Data(SHA256.hash(data: try certificate.toDERBytes())).map { String(format: "%02X", $0) }
                .joined()
            let wanted = fingerprint.uppercased().filter { $0.isHexDigit }
            guard actual == wanted else {
                throw ProtectError.certificateRejected(
                    reason: "its SHA-256 fingerprint is \(actual), not the pinned \(wanted)")
            }
            tls.trustRoots = .certificates([certificate])
            tls.certificateVerification = .noHostnameVerification
        }
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

    /// The leaf certificate a TLS server presents, fetched without trusting it.
    static func peerCertificate(host: String, port: Int, timeout: Double) async throws -> NIOSSLCertificate {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: NIOSSLCertificate.self)
        let channel: any NIOCore.Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: nil,
                            customVerificationCallback: { certificates, verification in
                                if let leaf = certificates.first { promise.succeed(leaf) }
                                verification.succeed(.certificateVerified)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw ProtectError.network(reason: "cannot connect to \(host):\(port) (\(error))")
        }
        defer { channel.close(promise: nil) }
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            promise.fail(ProtectError.network(reason: "no TLS handshake from \(host):\(port)"))
        }
        defer { deadline.cancel() }
        return try await promise.futureResult.get()
    }

    /// Finds the console generation and port: UniFi OS answers `GET /` with an `X-CSRF-Token` header.
    static func detectGeneration(
        http: HTTPClient, configuration: ConsoleConfiguration, logger: Logger
    ) async throws -> (ConsoleConfiguration.Generation, Int) {
        if configuration.generation != .automatic {
            return (
                configuration.generation,
                configuration.port ?? ConsoleConfiguration.defaultPort(for: configuration.generation)
            )
        }
        let ports = configuration.port.map { [$0] } ?? [443, 7443]
        var lastError: (any Error)?
        for port in ports {
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            let request = HTTPClientRequest(url: "https://\(host):\(port)/")
            do {
                let response = try await execute(http, request, timeout: configuration.timeouts.connect)
                _ = try? await collect(response)
                let generation: ConsoleConfiguration.Generation =
                    response.headers.first(name: "X-CSRF-Token") != nil ? .unifiOS : .legacy
                logger.info("Detected a \(generation == .unifiOS ? "UniFi OS" : "legacy") console on port \(port).")
                return (generation, port)
            } catch let error as ProtectError {
                if case .certificateRejected = error { throw error }
                lastError = error
            }
        }
        throw lastError ?? ProtectError.generationUnknown(reason: "no port answered")
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
            default: return ProtectError.network(reason: "\(error)")
            }
        }
        if let error = error as? NIOSSLError {
            if case .handshakeFailed = error {
                return ProtectError.certificateRejected(reason: "the TLS handshake failed (\(error))")
            }
            return ProtectError.network(reason: "TLS: \(error)")
        }
        if let error = error as? BoringSSLError {
            return ProtectError.certificateRejected(reason: "\(error)")
        }
        return ProtectError.network(reason: "\(error)")
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
