import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("Firmware variants seen in the field")
struct FirmwareEndToEndTests {
    @Test(
        "A firmware whose one-step export always fails: protect-dl falls back to prepare + download, once, byte-exact",
        arguments: SimulatorConfiguration.Mode.allCases)
    func brokenOneStepExport(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = Scenario.small(mode)
        configuration.firmware = .brokenExport
        try await Scenario.with(configuration) { s in
            let result = try await Binary.run(s.arguments(["--use-subfolders", "--parallel", "1"]))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.lastLine == "6 files downloaded, 0 files skipped, 6 files total")
            #expect(result.stderr.split(separator: "\n").filter { $0.contains("two-step") }.count == 1, "said once")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: true)
            #expect(Set(expected.keys) == s.filesOnDisk())
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment), "\(path)")
            }
            let stats = await s.simulator.state.currentStats()
            #expect(stats.requestsByEndpoint["export", default: 0] == 1, "one failed one-step export, then no more")
            #expect(stats.requestsByEndpoint["prepare", default: 0] == 6)
            #expect(stats.requestsByEndpoint["download", default: 0] == 6)

            // sync with the default parallel downloads gets there too (two first failures at once are taken for
            // overload, then the lone retry finds the two-step path).
            let sync = try await Binary.run([
                "sync", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--dest", s.destination.path, "--retry-delay", "0.05",
            ])
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(try await Binary.run(["verify", "--dest", s.destination.path]).status == 0)
        }
    }

    @Test("On a standard console the one-step export is kept: no prepare is ever asked")
    func standardKeepsOneStep() async throws {
        try await Scenario.with(Scenario.small(.unifiOS)) { s in
            let result = try await Binary.run(s.arguments())
            #expect(result.status == 0, "\(result.stderr)")
            let stats = await s.simulator.state.currentStats()
            #expect(stats.requestsByEndpoint["prepare", default: 0] == 0)
            #expect(!result.stderr.contains("two-step"))
        }
    }

    @Test("UniFi OS 4+ names its session cookie UOS_TOKEN: download, events and sync work the same")
    func uosToken() async throws {
        var configuration = Scenario.small(.unifiOS)
        configuration.firmware = .uosToken
        try await Scenario.with(configuration, hours: 1) { s in
            let result = try await Binary.run(s.arguments(["--use-subfolders"]))
            #expect(result.status == 0, "\(result.stderr)")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: true)
            #expect(Set(expected.keys) == s.filesOnDisk())
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment), "\(path)")
            }
            let listed = try await Binary.run([
                "cameras", "--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin",
                "--json",
            ])
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(await s.simulator.state.currentStats().requestsByStatus["401"] == nil)
        }
    }

    @Test("Sessions that end long before their JWT's exp: protect-dl logs in again and finishes every file")
    func earlySessionEnd() async throws {
        var configuration = Scenario.throttled(bytesPerSecond: 4_000_000)
        configuration.firmware = .earlySessionEnd
        configuration.authentication.earlySessionEnd = 3
        try await Scenario.with(configuration, hours: 2) { s in
            let result = try await Binary.run(s.arguments(["--use-subfolders", "--parallel", "1"]))
            #expect(result.status == 0, "\(result.stderr)")
            let cameras = await s.simulator.cameras()
            let expected = s.expectedFiles(cameras: cameras, subfolders: true)
            #expect(Set(expected.keys) == s.filesOnDisk())
            for (path, (camera, segment)) in expected {
                #expect(try s.matchesConsole(path, camera: camera, segment: segment), "\(path)")
            }
            let stats = await s.simulator.state.currentStats()
            #expect(stats.logins >= 2, "logged in again after the session ended: \(stats.logins) logins")
            #expect(stats.requestsByStatus["401", default: 0] >= 1)
        }
    }
}
