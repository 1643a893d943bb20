import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension Transport {
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
                guard error.connectionProblem == .refused else { throw error }
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
            throw ProtectError.connectionFailed(
                connectProblem(error, timeout: timeout), host: host, port: port, underlying: error)
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
}
