import Foundation
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectAPI

@Suite("Logins are shared by concurrent callers; a 401 body is read once")
struct SharedLoginTests {
    @Test(
        "Eight concurrent calls that all meet an expired session cause exactly one new login",
        arguments: SimulatorConfiguration.Mode.allCases)
    func concurrentExpiry(mode: SimulatorConfiguration.Mode) async throws {
        try await withConsole(smallConsole(mode)) { client, simulator, _ in
            #expect(await client.loginCount == 1)
            await simulator.state.expireAllSessions()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.bootstrap().cameras.count } }
                for try await count in group { #expect(count == 4) }
            }
            #expect(await client.loginCount == 2)
        }
    }

    @Test("401 again right after a new login is an HTTP error with the console's reason (no second body read)")
    func unauthorizedAgain() async throws {
        try await withConsole(smallConsole(.unifiOS)) { client, simulator, _ in
            var faults = FaultSettings()
            faults.unauthorizedCount = 2
            await simulator.state.setFaults(faults)
            await #expect(throws: ProtectError.self) { _ = try await client.bootstrap() }
            #expect(await client.loginCount == 2)
            _ = try await client.bootstrap()
        }
    }

    @Test("Certificate pins in the forms people paste")
    func pins() {
        let hex = String(repeating: "AB", count: 32)
        let colons = CertificatePin.display(hex)
        for text in [hex, hex.lowercased(), colons, "SHA256 \(colons)", "sha256 Fingerprint=\(colons)", " \(colons)\n"]
        {
            #expect(CertificatePin.normalize(text) == hex, "\(text)")
        }
        for text in ["", "AB:CD", "SHA256", String(repeating: "G", count: 64), hex + "AB"] {
            #expect(CertificatePin.normalize(text) == nil, "\(text)")
        }
    }
}
