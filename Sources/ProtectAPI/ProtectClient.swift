import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A logged-in connection to one console, of either generation.
///
/// Session state (bearer token and access key, or cookie and CSRF token) lives in the actor; requests and
/// bodies run outside it, so parallel downloads do not queue behind each other.
public actor ProtectClient {
    public nonisolated let configuration: ConsoleConfiguration
    /// The generation in use (detected or forced).
    public nonisolated let generation: ConsoleConfiguration.Generation
    /// The port in use.
    public nonisolated let port: Int
    nonisolated let http: HTTPClient
    /// The TLS settings of every connection (the websocket's too).
    nonisolated let tls: TLSConfiguration
    nonisolated let credentials: Credentials
    nonisolated let logger: Logger
    nonisolated let baseURL: String
    /// Upper-case hex SHA-256 of the console's certificate, as the first connection saw it.
    public nonisolated let certificateFingerprint: String

    var bearer: String?
    var accessKey: String?
    var downloadsSinceKey = 0
    var downloadsSinceLogin = 0
    var cookie: String?
    var cookieExpiry: Date?
    var csrfToken: String?
    /// Increases with every login, so that concurrent 401s cause one re-login, not many.
    var sessionNumber = 0
    /// Logins made so far.
    public internal(set) var loginCount = 0

    nonisolated var apiPrefix: String { generation == .legacy ? "/api/" : "/proxy/protect/api/" }

    init(
        configuration: ConsoleConfiguration, generation: ConsoleConfiguration.Generation, port: Int,
        http: HTTPClient, tls: TLSConfiguration, credentials: Credentials, logger: Logger, fingerprint: String
    ) {
        self.tls = tls
        self.certificateFingerprint = fingerprint
        self.configuration = configuration
        self.generation = generation
        self.port = port
        self.http = http
        self.credentials = credentials
        self.logger = logger
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        self.baseURL = "https://\(host):\(port)"
    }

    /// Connects to the console: checks its certificate, detects its generation when asked, and logs in.
    public static func connect(
        configuration: ConsoleConfiguration, credentials: Credentials, logger: Logger
    ) async throws -> ProtectClient {
        let (port, leaf) = try await Transport.reach(configuration: configuration)
        let fingerprint = try Transport.fingerprintHex(leaf)
        logger.info("The console's certificate has the SHA-256 fingerprint \(CertificatePin.display(fingerprint)).")
        let tls = try Transport.tlsConfiguration(configuration: configuration, leaf: leaf)
        let http = Transport.makeHTTPClient(configuration: configuration, tls: tls, logger: logger)
        do {
            let generation = try await Transport.detectGeneration(
                http: http, configuration: configuration, port: port, logger: logger)
            let client = ProtectClient(
                configuration: configuration, generation: generation, port: port, http: http, tls: tls,
                credentials: credentials, logger: logger, fingerprint: fingerprint)
            try await client.login()
            return client
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Closes the connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// The login in flight, which concurrent callers share.
    var loginInFlight: Task<Void, any Error>?
    /// The access-key fetch in flight, which concurrent callers share.
    var accessKeyInFlight: Task<Void, any Error>?

    /// One-step exports of this client in flight.
    var oneStepInFlight = 0

    /// Which export path this console gets.
    var exportPath = ExportPath.undecided
}

extension ProtectClient {
    /// Connects (see `connect`), runs `body` with the logged-in client, and closes the connections however `body`
    /// ends: the scoped form every job uses.
    public static func withConnection<T: Sendable>(
        configuration: ConsoleConfiguration, credentials: Credentials, logger: Logger,
        _ body: (ProtectClient) async throws -> T
    ) async throws -> T {
        let client = try await connect(configuration: configuration, credentials: credentials, logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
