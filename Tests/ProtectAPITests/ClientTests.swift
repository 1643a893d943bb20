import Foundation
import Logging
import NIOCore
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectAPI

/// Runs a simulator and a connected client against it.
func withConsole<T: Sendable>(
    _ simulatorConfiguration: SimulatorConfiguration,
    refresh: ConsoleConfiguration.LegacyRefresh = .init(),
    loginRateLimitRetries: Int = 3,
    credentials: Credentials = Credentials(username: "admin", password: "protect"),
    _ body: @Sendable (ProtectClient, ConsoleSimulator, ConsoleSimulator.Endpoint) async throws -> T
) async throws -> T {
    let logger = quietLogger()
    let simulator = try ConsoleSimulator(configuration: simulatorConfiguration, logger: logger)
    return try await simulator.withRunning { endpoint in
        var configuration = ConsoleConfiguration(host: endpoint.host, port: endpoint.port)
        configuration.legacyRefresh = refresh
        configuration.loginRateLimitRetries = loginRateLimitRetries
        let client = try await ProtectClient.connect(
            configuration: configuration, credentials: credentials, logger: logger)
        do {
            let result = try await body(client, simulator, endpoint)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

/// Four cameras of 160x90 at 2 fps and 16 kbit/s, six hours of history.
func smallConsole(_ mode: SimulatorConfiguration.Mode) -> SimulatorConfiguration {
    .small(mode, bitrate: 16_000, framesPerSecond: 2, historyHours: 6)
}

func pastHourRequest(_ camera: String, hoursAgo: Int64 = 2) -> ExportRequest {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let start = (now / 3_600_000 - hoursAgo) * 3_600_000
    return ExportRequest(cameraID: camera, start: start, end: start + 599_999)
}

func exportBytes(_ client: ProtectClient, _ request: ExportRequest) async throws -> ExportOutcome<[UInt8]> {
    try await client.withExport(request) { body in
        var bytes: [UInt8] = []
        for try await chunk in body { bytes += Array(buffer: chunk) }
        return bytes
    }
}

@Suite("Client against the simulated console")
struct ClientTests {
    @Test(
        "Both generations are detected, logged into, and their bootstrap read",
        arguments: SimulatorConfiguration.Mode.allCases)
    func detectAndBootstrap(mode: SimulatorConfiguration.Mode) async throws {
        try await withConsole(smallConsole(mode)) { client, simulator, _ in
            #expect(client.generation == (mode == .legacy ? .legacy : .unifiOS))
            let bootstrap = try await client.bootstrap()
            #expect(bootstrap.cameras.map(\.id) == (await simulator.cameras()).map(\.id))
            #expect(bootstrap.nvr.timezone == "America/New_York")
            #expect(bootstrap.cameras[0].lensIDs == [2])
            #expect(bootstrap.cameras[0].channels.count == 4)
        }
    }

    @Test("The shared real bootstrap decodes: 12 cameras, the doorbell's package lens, recording times")
    func realBootstrap() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedFixtures.bootstrap))
        let bootstrap = try JSONDecoder().decode(Bootstrap.self, from: data)
        #expect(bootstrap.cameras.count == 12)
        #expect(bootstrap.nvr.timezone == "America/New_York")
        let doorbell = try #require(bootstrap.cameras.first { $0.type == "UVC G4 Doorbell Pro" })
        #expect(doorbell.lensIDs == [2])
        #expect(doorbell.recordingStart == 1_641_921_049_599)
        #expect(bootstrap.cameras.first { $0.name == "UI Intercom" }?.recordingStart == nil)
    }

    @Test(
        "Exports stream the simulator's exact bytes; an hour without footage is noFootage",
        arguments: SimulatorConfiguration.Mode.allCases)
    func exports(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = smallConsole(mode)
        configuration.cameras.motionOnlyCount = 0
        try await withConsole(configuration) { client, simulator, _ in
            let camera = (await simulator.cameras())[1]
            let request = pastHourRequest(camera.id)
            guard case .footage(let bytes) = try await exportBytes(client, request) else {
                Issue.record("expected footage")
                return
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let movie = try #require(
                simulator.expectedExport(camera: camera, start: request.start, end: request.end, now: now))
            var chunks = movie.chunks()
            var expected: [UInt8] = []
            while let chunk = chunks.next() { expected += Array(buffer: chunk) }
            #expect(bytes == expected)
            let early = ExportRequest(
                cameraID: camera.id, start: camera.recordingStart! - 7_200_000, end: camera.recordingStart! - 3_600_001)
            guard case .noFootage(let reason) = try await exportBytes(client, early) else {
                Issue.record("expected no footage")
                return
            }
            #expect(reason == "No files found matching criteria.")
        }
    }

    @Test("Legacy: keys refreshed every N downloads and logins every M, as the refresh options say")
    func legacyRefreshCounts() async throws {
        var refresh = ConsoleConfiguration.LegacyRefresh()
        refresh.downloadsBeforeKeyRefresh = 2
        refresh.downloadsBeforeAuthRefresh = 5
        try await withConsole(smallConsole(.legacy), refresh: refresh) { client, simulator, _ in
            let camera = (await simulator.cameras())[1]
            for index in 0..<10 {
                var request = pastHourRequest(camera.id, hoursAgo: 3)
                request.start += Int64(index) * 60_000
                _ = try await exportBytes(client, request)
            }
            let stats = await simulator.state.currentStats()
            #expect(stats.logins == 2)  // the first, and after 5 downloads
            #expect(stats.accessKeysIssued == 6)  // 3 per login: downloads 1-2, 3-4, 5
            #expect(await client.loginCount == 2)
        }
    }

    @Test("Legacy: a key that dies early (401) is replaced by a re-login and one retry")
    func legacyKeyExpiredEarly() async throws {
        var configuration = smallConsole(.legacy)
        configuration.authentication.accessKeyMaxUses = 1
        try await withConsole(configuration) { client, simulator, _ in
            let camera = (await simulator.cameras())[1]
            for _ in 0..<3 {
                guard case .footage = try await exportBytes(client, pastHourRequest(camera.id)) else {
                    Issue.record("expected footage")
                    return
                }
            }
            let stats = await simulator.state.currentStats()
            // Downloads 2 and 3 each find their key used up, log in again and retry once.
            #expect(stats.requestsByStatus["401"] == 2)
            #expect(stats.logins == 3)
            // The console counts an export complete once its handler has sent the last byte, which a busy machine
            // may run after the client has read it.
            try await eventually("the console counts three complete exports") {
                await simulator.state.currentStats().completedExports == 3
            }
        }
    }

    @Test(
        "UniFi OS: sessions expired mid-run (401 or login page) lead to one re-login and a retry",
        arguments: [
            SimulatorConfiguration.ExpiredSessionAnswer.unauthorized, .loginPage,
        ])
    func unifiOSExpiry(answer: SimulatorConfiguration.ExpiredSessionAnswer) async throws {
        var configuration = smallConsole(.unifiOS)
        configuration.authentication.expiredSessionAnswer = answer
        try await withConsole(configuration) { client, simulator, _ in
            let camera = (await simulator.cameras())[1]
            _ = try await exportBytes(client, pastHourRequest(camera.id))
            await simulator.state.expireAllSessions()
            guard case .footage = try await exportBytes(client, pastHourRequest(camera.id)) else {
                Issue.record("expected footage after re-login")
                return
            }
            _ = try await client.bootstrap()
            #expect(await client.loginCount == 2)
        }
    }

    @Test("UniFi OS: a JWT close to exp is renewed before use; the UOS_TOKEN cookie works")
    func jwtNearExpiry() async throws {
        var configuration = smallConsole(.unifiOS)
        configuration.authentication.sessionLifetime = 30
        configuration.authentication.cookieName = "UOS_TOKEN"
        try await withConsole(configuration) { client, _, _ in
            _ = try await client.bootstrap()
            _ = try await client.bootstrap()
            // Every call finds the session within a minute of exp and logs in first.
            #expect(await client.loginCount == 3)
        }
    }

    @Test("Login errors: bad password, MFA account (explained), 429 honoured then given up")
    func loginErrors() async throws {
        let configuration = smallConsole(.unifiOS)
        await #expect(throws: ProtectError.loginFailed(status: 401, reason: "Invalid username or password")) {
            try await withConsole(configuration, credentials: Credentials(username: "admin", password: "wrong")) {
                _, _, _ in
            }
        }
        do {
            try await withConsole(configuration, credentials: Credentials(username: "cloud-user", password: "x")) {
                _, _, _ in
            }
            Issue.record("expected an MFA error")
        } catch let error as ProtectError {
            guard error.kind == .secondFactorRequired else { throw error }
            #expect(error.localizedDescription.contains("local console user"))
        }
        var limited = configuration
        limited.faults.loginRateLimitCount = 1
        try await withConsole(limited) { client, simulator, _ in
            #expect(await client.loginCount == 1)
            #expect(await simulator.state.currentStats().failedLogins == 1)
        }
        limited.faults.loginRateLimitCount = 10
        await #expect(throws: ProtectError.loginRateLimited(retryAfter: 1)) {
            try await withConsole(limited, loginRateLimitRetries: 2) { _, _, _ in }
        }
    }

    @Test("Certificates: a matching pin connects, another pin is refused, system CAs refuse a self-signed console")
    func certificateChecks() async throws {
        let logger = quietLogger()
        let simulator = try ConsoleSimulator(configuration: smallConsole(.unifiOS), logger: logger)
        let fingerprint = try #require(simulator.identity?.fingerprint)
        try await simulator.withRunning { endpoint in
            let credentials = Credentials(username: "admin", password: "protect")
            var pinned = ConsoleConfiguration(host: endpoint.host, port: endpoint.port)
            pinned.certificateCheck = .pinned(sha256: fingerprint.lowercased())
            let client = try await ProtectClient.connect(
                configuration: pinned, credentials: credentials, logger: logger)
            _ = try await client.bootstrap()
            await client.shutdown()

            var wrong = pinned
            wrong.certificateCheck = .pinned(sha256: String(repeating: "AB", count: 32))
            do {
                _ = try await ProtectClient.connect(configuration: wrong, credentials: credentials, logger: logger)
                Issue.record("a wrong pin must be refused")
            } catch let error as ProtectError {
                guard error.kind == .certificateRejected else { throw error }
            }
            var system = pinned
            system.certificateCheck = .system
            do {
                _ = try await ProtectClient.connect(configuration: system, credentials: credentials, logger: logger)
                Issue.record("a self-signed certificate must fail system verification")
            } catch let error as ProtectError {
                guard error.kind == .certificateRejected else { throw error }
            }
        }
    }

    @Test("The password never appears in errors or descriptions")
    func noSecrets() async throws {
        let credentials = Credentials(username: "admin", password: "s3cret-value")
        #expect(!credentials.description.contains("s3cret"))
        do {
            try await withConsole(smallConsole(.legacy), credentials: credentials) { _, _, _ in }
        } catch {
            #expect(!"\(error)".contains("s3cret"))
            #expect(!error.localizedDescription.contains("s3cret"))
        }
    }
}

@Suite("Certificate authority files")
struct CAFileTests {
    @Test("--ca-cert: the console's own certificate as CA verifies it fully; an unreadable file is refused")
    func caFile() async throws {
        let logger = quietLogger()
        let simulator = try ConsoleSimulator(configuration: smallConsole(.legacy), logger: logger)
        let pem = try #require(simulator.identity?.certificatePEM)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID()).pem")
        try pem.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await simulator.withRunning { endpoint in
            let credentials = Credentials(username: "admin", password: "protect")
            var configuration = ConsoleConfiguration(host: endpoint.host, port: endpoint.port)
            configuration.generation = .legacy
            configuration.certificateCheck = .caFile(file.path)
            let client = try await ProtectClient.connect(
                configuration: configuration, credentials: credentials, logger: logger)
            #expect(try await client.bootstrap().cameras.count == 4)
            await client.shutdown()
            configuration.certificateCheck = .caFile("/nonexistent/ca.pem")
            await #expect(
                throws: ProtectError.certificateRejected(reason: "the CA file /nonexistent/ca.pem cannot be read")
            ) {
                _ = try await ProtectClient.connect(
                    configuration: configuration, credentials: credentials, logger: logger)
            }
        }
    }
}
