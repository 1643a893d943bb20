import Foundation
import ProtectSimulator
import TestSupport
import Testing

/// A console that drops out in the middle of a run, after the login: what the user reads is the one-sentence
/// connection message, never the text of the network library underneath.
@Suite("A console dropping out mid-run is one sentence, not NIO's text", .serialized)
struct DropoutEndToEndTests {
    /// Words of the network library's own descriptions that a sentence for people never holds.
    static let libraryWords = [
        "NIO", "SingleConnectionFailure", "ConnectionFailure", "errno", "descriptor:", "IOError", "[IPv4]", "target:",
    ]

    /// The lines of `text` that hold any of the library's words.
    static func raw(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { line in libraryWords.contains { line.contains($0) } }
    }

    @Test("sync: the console restarts mid-export; every line about it is one sentence, none of NIO's text")
    func syncDropsOut() async throws {
        try await Scenario.with(Scenario.throttled(bytesPerSecond: 1_000_000)) { s in
            let run = Task {
                try await Binary.run(
                    ["sync", "--dest", s.destination.path] + connection(s) + [
                        "--since", s.startText, "--retries", "1", "--parallel", "1",
                    ], timeout: 240)
            }
            try await eventually("the first export's body to flow") {
                await s.simulator.state.currentStats().bytesServed > 50_000
            }
            // Down for longer than an export's retries last.
            var faults = FaultSettings()
            faults.restartSeconds = 20
            await s.simulator.state.setFaults(faults)
            let result = try await run.value
            #expect(result.status != 0 && result.status != 70, "\(result.stdout)\(result.stderr)")
            #expect(Self.raw(result.stderr + result.stdout).isEmpty, "\(result.stderr)")
            let failures = result.stderr.split(separator: "\n").filter { $0.contains("could not be reached") }
            #expect(!failures.isEmpty, "\(result.stderr)")
            #expect(failures.allSatisfy { $0.hasSuffix(".") && !$0.contains("))") }, "\(failures)")
        }
    }

    @Test("watch: the console goes away after the login; its log says so in one sentence each time")
    func watchDropsOut() async throws {
        try await Scenario.with(WatchEndToEndTests.console()) { s in
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            let daemon = try Daemon(
                try Binary.path("protect-dl"), WatchEndToEndTests.watchArguments(s, since: since),
                environment: ["PROTECT_DL_PASSWORD": "protect"])
            try await eventually("the websocket's first packets", timeout: .seconds(30)) {
                WatchEndToEndTests.lines(daemon, "packet").count >= 2
            }
            var faults = FaultSettings()
            faults.restartSeconds = 120
            await s.simulator.state.setFaults(faults)
            try await eventually("two failed reconnects", timeout: .seconds(60)) {
                WatchEndToEndTests.lines(daemon, "disconnected").count >= 3
            }
            _ = try await daemon.stop()
            let reasons = WatchEndToEndTests.lines(daemon, "disconnected").compactMap { $0["reason"] as? String }
            for reason in reasons {
                #expect(Self.raw(reason).isEmpty, "\(reason)")
            }
            #expect(reasons.contains { $0.contains("connecting again failed: connection refused.") }, "\(reasons)")
            #expect(Self.raw(daemon.stderr + daemon.stdout).isEmpty, "\(daemon.stderr)")
        }
    }
}
