import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("sync --every alerts through a webhook: a disconnected camera, a console outage, a restart")
struct AlertEndToEndTests {
    /// The events a receiver got, as `kind event` strings.
    func events(_ receiver: AlertReceiver) -> [String] { receiver.events }

    @Test("One alert and one recovery per condition, none repeated by a restart of the daemon; status shows it open")
    func outageAndRestart() async throws {
        var configuration = syncConsole(cameras: 2)
        configuration.cameras.disconnectedCount = 1
        try await Scenario.with(configuration, frozen: true) { s in
            try await AlertReceiver.with { receiver in
                let daemon = s.sync([
                    "--every", "1s", "--quiet", "--alert-after", "0", "--webhook", receiver.url + "/hook",
                    "--webhook-secret", "k3y",
                ])
                var (process, _) = try launch(daemon)
                let first = process
                defer { if first.isRunning { first.terminate() } }
                try await eventually("the disconnected camera's alert") {
                    events(receiver).contains("camera-disconnected raised")
                }
                // The console answers every request 503 until told otherwise: passes fail, then recover.
                var faults = FaultSettings()
                faults.failCount = 1_000_000
                await s.simulator.state.setFaults(faults)
                let kind = try await eventually("the failing passes' alert", timeout: .seconds(90)) {
                    events(receiver).first { $0.hasSuffix(" raised") && !$0.hasPrefix("camera-") }
                }
                await s.simulator.state.setFaults(FaultSettings())
                let recovered = kind.replacingOccurrences(of: " raised", with: " recovered")
                try await eventually("the recovery", timeout: .seconds(90)) { events(receiver).contains(recovered) }
                process.terminate()
                try await waitForExit(process)
                #expect(process.terminationStatus == 0)
                // Started again: two more passes, and nothing sent again.
                let before = await s.simulator.state.currentStats().requestsByEndpoint["bootstrap", default: 0]
                (process, _) = try launch(daemon)
                let second = process
                defer { if second.isRunning { second.terminate() } }
                try await eventually("two passes after the restart") {
                    await s.simulator.state.currentStats().requestsByEndpoint["bootstrap", default: 0] >= before + 2
                }
                process.terminate()
                try await waitForExit(process)
                let sent = events(receiver)
                #expect(sent.filter { $0 == "camera-disconnected raised" }.count == 1, "\(sent)")
                #expect(sent.filter { $0 == kind }.count == 1, "\(sent)")
                #expect(sent.filter { $0 == recovered }.count == 1, "\(sent)")
                #expect(
                    receiver.received.allSatisfy { $0.headers["x-protect-dl-signature"]?.hasPrefix("sha256=") == true })
                let status = try await Binary.run(["status", "--dest", s.destination.path])
                #expect(status.stdout.contains("alerts: 1 open"), "\(status.stdout)")
                #expect(status.stdout.contains("the console says it is disconnected"), "\(status.stdout)")
            }
        }
    }

    @Test("verify --webhook: an altered file raises verify-problems once; a clean verify after restoring clears it")
    func verifyProblems() async throws {
        try await Scenario.with(syncConsole(), frozen: true) { s in
            let first = try await Binary.run(s.sync())
            #expect(first.status == 0, "\(first.stderr)")
            let records = try s.state().segments(status: .complete)
            let url = s.destination.appendingPathComponent(try #require(records.first).path)
            let original = try Data(contentsOf: url)
            var bytes = original
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: url)
            try await AlertReceiver.with { receiver in
                let verify = ["verify", "--dest", s.destination.path, "--webhook", receiver.url + "/hook"]
                let found = try await Binary.run(verify)
                #expect(found.status == 10, "\(found.stdout)\(found.stderr)")
                #expect(events(receiver) == ["verify-problems raised"])
                // Verified again while still altered: nothing more is sent.
                let again = try await Binary.run(verify)
                #expect(again.status == 10)
                #expect(events(receiver) == ["verify-problems raised"])
                try original.write(to: url)
                let clean = try await Binary.run(verify)
                #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
                #expect(events(receiver) == ["verify-problems raised", "verify-problems recovered"])
            }
        }
    }

    @Test(
        "footage-at-risk: hours that fail next to the console's oldest recording raise it once; catching up clears it")
    func footageAtRisk() async throws {
        try await Scenario.with(syncConsole(cameras: 1), frozen: true) { s in
            try await AlertReceiver.with { receiver in
                func risk() -> [String] { events(receiver).filter { $0.hasPrefix("footage-at-risk") } }
                let sync = s.sync(["--retries", "0", "--quiet", "--webhook", receiver.url + "/hook"])
                // Every export fails: the console holds four hours the archive does not, a day from its oldest.
                var faults = FaultSettings()
                faults.failCount = 1_000_000
                faults.failExportsOnly = true
                await s.simulator.state.setFaults(faults)
                let failing = try await Binary.run(sync)
                #expect(failing.status == 4, "\(failing.stdout)\(failing.stderr)")
                #expect(risk() == ["footage-at-risk raised"])
                let again = try await Binary.run(sync)
                #expect(again.status == 4)
                #expect(risk() == ["footage-at-risk raised"], "still behind: nothing sent again")
                await s.simulator.state.setFaults(FaultSettings())
                let caughtUp = try await Binary.run(sync)
                #expect(caughtUp.status == 0, "\(caughtUp.stdout)\(caughtUp.stderr)")
                #expect(risk() == ["footage-at-risk raised", "footage-at-risk recovered"])
            }
        }
    }

    @Test("sync --summary daily: the first run sets the schedule, a run past it sends one summary, the next none")
    func summary() async throws {
        try await Scenario.with(syncConsole(cameras: 2), frozen: true) { s in
            try await AlertReceiver.with { receiver in
                let sync = s.sync(["--quiet", "--summary", "daily", "--webhook", receiver.url + "/hook"])
                let first = try await Binary.run(sync)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(receiver.events.isEmpty, "\(receiver.events)")
                // The schedule the state keeps, moved to an hour ago as if midnight had passed since.
                let state = try s.state()
                let key = "alert.summary.next.default"
                let kept = try #require(try state.meta(key))
                #expect(kept.hasPrefix("daily:"), "\(kept)")
                let hourAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
                try state.setMeta(key, "daily:\(hourAgo)")
                let second = try await Binary.run(sync)
                #expect(second.status == 0, "\(second.stderr)")
                let third = try await Binary.run(sync)
                #expect(third.status == 0, "\(third.stderr)")
                #expect(receiver.events == ["summary summary"], "\(receiver.events)")
                let body = try #require(receiver.received.first?.body)
                let payload = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                let figures = try #require(payload["summary"] as? [String: Any])
                #expect((figures["cameras"] as? [Any])?.count == 2, "\(figures)")
                #expect(figures["free_bytes"] is Int, "a local destination's free space: \(figures)")
                #expect((payload["message"] as? String)?.hasPrefix("Daily summary, ") == true, "\(payload)")
            }
        }
    }

    @Test("notify test says which channel took the message; secrets stay out of its output")
    func notifyTest() async throws {
        try await AlertReceiver.with { receiver in
            let result = try await Binary.run([
                "notify", "test", "--webhook", receiver.url + "/secret-path", "--ntfy", "http://127.0.0.1:1/topic",
            ])
            #expect(result.status == 19, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("delivered  webhook \(receiver.url)/***"), "\(result.stdout)")
            #expect(result.stdout.contains("failed     ntfy http://127.0.0.1:1/***"), "\(result.stdout)")
            #expect(!(result.stdout + result.stderr).contains("secret-path"))
            #expect(receiver.received.count == 1)
        }
    }
}
