import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL

/// HTTP plumbing: the client and its requests here; TLS checks, the port probe, diagnosis, generation detection,
/// error translation and query encoding in `Transport+*.swift`.
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
}
