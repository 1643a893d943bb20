import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ProtectSimulator
import TestSupport
import Testing

/// A plain HTTPS client for poking the simulator as curl would; it shares no code with protect-dl's client.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// The body as text (its first 64 KiB: decoding megabytes of video as UTF-8 is slow).
    var text: String { String(decoding: body.prefix(65_536), as: UTF8.self) }
    func json() -> Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    func header(_ name: String) -> String? { headers.first(name: name) }
}

struct Harness {
    let endpoint: ConsoleSimulator.Endpoint
    let simulator: ConsoleSimulator
    let client: HTTPClient

    static let sharedFixtures = SharedFixtures.folder

    /// Four cameras of 320x180 at 5 fps and 64 kbit/s (enough for the burned-in text), twelve hours of history.
    static func configuration(_ mode: SimulatorConfiguration.Mode = .unifiOS) -> SimulatorConfiguration {
        .small(
            mode, bitrate: 64_000, framesPerSecond: 5, width: 320, height: 180, historyHours: 12, loginRetryAfter: nil)
    }

    /// Starts a simulator, runs `body` against it, and shuts both down.
    static func with<T: Sendable>(
        _ configuration: SimulatorConfiguration, _ body: @Sendable (Harness) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test-sim")
        logger.logLevel = .warning
        let simulator = try ConsoleSimulator(configuration: configuration, logger: logger)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var clientConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        clientConfiguration.httpVersion = .http1Only
        clientConfiguration.timeout.read = .seconds(30)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        // The client goes first: the console's graceful shutdown waits for the connections it keeps alive.
        return try await simulator.withRunning { endpoint in
            do {
                let result = try await body(Harness(endpoint: endpoint, simulator: simulator, client: client))
                try await client.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    func request(
        _ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 512 * 1024 * 1024)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
    }

    /// A plain TCP connection to the console's port (no TLS, no request).
    func connectTCP() async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: endpoint.host, port: endpoint.port).get()
    }

    /// Waits until the console's port accepts connections (after a restart).
    func waitAccepting() async throws {
        try await eventually("the console to accept connections again", timeout: .seconds(30)) {
            guard let back = try? await connectTCP() else { return false }
            try? await back.close()
            return true
        }
    }

    /// Logs in to a UniFi OS console; returns the cookie header value and the CSRF token.
    func loginUniFiOS(username: String = "admin", password: String = "protect") async throws -> (
        cookie: String, csrf: String
    ) {
        let response = try await request(
            "/api/auth/login", method: .POST, body: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == 200, let setCookie = response.header("Set-Cookie"),
            let csrf = response.header("X-CSRF-Token")
        else { throw HarnessError.loginFailed(response.status, response.text) }
        return (String(setCookie.split(separator: ";")[0]), csrf)
    }

    /// Logs in to a legacy console; returns the bearer token.
    func loginLegacy() async throws -> String {
        let response = try await request(
            "/api/auth", method: .POST, body: #"{"username":"admin","password":"protect"}"#)
        guard response.status == 200, let token = response.header("Authorization") else {
            throw HarnessError.loginFailed(response.status, response.text)
        }
        return token
    }

    func accessKey(bearer: String) async throws -> String {
        let response = try await request(
            "/api/auth/access-key", method: .POST, headers: [("Authorization", "Bearer \(bearer)")])
        guard let object = response.json() as? [String: Any], let key = object["accessKey"] as? String else {
            throw HarnessError.loginFailed(response.status, response.text)
        }
        return key
    }

    func stats() async throws -> ConsoleStats {
        let response = try await request("/__sim/stats")
        return try JSONDecoder().decode(ConsoleStats.self, from: Data(response.body))
    }

    func setFaults(_ faults: FaultSettings) async throws {
        let data = try JSONEncoder().encode(faults)
        let response = try await request("/__sim/faults", method: .POST, body: String(decoding: data, as: UTF8.self))
        guard response.status == 200 else { throw HarnessError.loginFailed(response.status, response.text) }
    }

    func firstCamera() async -> SimulatedCamera { await simulator.cameras()[0] }
}

enum HarnessError: Error {
    case loginFailed(Int, String)
}

/// A completed hour some hours ago, as (start, end) in ms with the original downloader's end (next start − 1).
func pastHour(hoursAgo: Int64 = 3) -> (Int64, Int64) {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let start = (now / 3_600_000 - hoursAgo) * 3_600_000
    return (start, start + 3_599_999)
}
