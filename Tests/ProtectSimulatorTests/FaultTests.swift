import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("Fault injection, performance model and stats")
struct FaultTests {
    static func exportPath(_ camera: SimulatedCamera, _ start: Int64, _ end: Int64) -> String {
        "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(end)"
    }

    @Test("Reset after N bytes: the body breaks off and the client sees an error")
    func resetAfterBytes() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            var faults = FaultSettings()
            faults.resetAfterBytes = 100_000
            faults.resetCount = 1
            try await h.setFaults(faults)
            let (start, end) = pastHour()
            let camera = await h.firstCamera()
            await #expect(throws: (any Error).self) {
                _ = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
            }
            // The fault was used up: the next export is whole.
            let next = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
            #expect(topLevelBoxes(next.body).last?.0 == "moov")
            let stats = try await h.stats()
            #expect(stats.exports == 2)
            // Counted once the handler has sent the last byte, which may come after the client has read it.
            try await eventually("the console counts one complete export") {
                try await h.stats().completedExports == 1
            }
        }
    }

    @Test("Failures: the next N API requests get 500/502/503, then the console recovers")
    func failNextRequests() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            for status in [500, 502, 503] {
                var faults = FaultSettings()
                faults.failStatus = status
                faults.failCount = 2
                try await h.setFaults(faults)
                #expect(
                    try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == status)
                #expect(
                    try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == status)
                #expect(
                    try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 200)
            }
            let stats = try await h.stats()
            #expect(stats.requestsByStatus["502"] == 2)
            #expect(stats.requestsByStatus["503"] == 2)
        }
    }

    @Test("A damaged recording: every export of the camera's hour that holds the instant ends at the same byte")
    func damagedRecording() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let (start, end) = pastHour()
            let camera = await h.firstCamera()
            var faults = FaultSettings()
            faults.damagedCamera = camera.id
            faults.damagedAt = start + 1_800_000
            faults.damagedAfterBytes = 30_000
            try await h.setFaults(faults)
            for _ in 0..<3 {
                await #expect(throws: (any Error).self) {
                    _ = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
                }
            }
            let cut = try await h.stats()
            #expect(cut.exports == 3 && cut.completedExports == 0 && cut.bytesServed == 90_000, "\(cut)")
            // Not a counter: still set; another hour of the camera is whole.
            #expect(try await h.request("/__sim/faults").json().flatMap { $0 as? [String: Any] }?["damagedAt"] != nil)
            let (other, otherEnd) = pastHour(hoursAgo: 5)
            let whole = try await h.request(Self.exportPath(camera, other, otherEnd), headers: [("Cookie", cookie)])
            #expect(topLevelBoxes(whole.body).last?.0 == "moov")
        }
    }

    @Test("HTML login page with status 200 in place of an export; a body cut before moov")
    func htmlAndCutBeforeMoov() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let (start, end) = pastHour()
            let camera = await h.firstCamera()
            var faults = FaultSettings()
            faults.htmlLoginPageCount = 1
            faults.cutBeforeMoovCount = 1
            try await h.setFaults(faults)
            let html = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
            #expect(html.status == 200)
            #expect(html.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(html.body.count < 2000)
            let cut = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
            #expect(cut.status == 200)
            #expect(topLevelBoxes(cut.body).map(\.0) == ["ftyp", "free", "mdat"])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sim-cut-\(UUID()).mp4")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(cut.body).write(to: file)
            #expect(try await ffprobe(file.path) == nil)
        }
    }

    @Test("A stalled body pauses for the set time after the set bytes")
    func stall() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let (start, _) = pastHour()
            let camera = await h.firstCamera()
            var faults = FaultSettings()
            faults.stallSeconds = 1.5
            faults.stallCount = 1
            try await h.setFaults(faults)
            let clock = ContinuousClock()
            let began = clock.now
            let response = try await h.request(
                Self.exportPath(camera, start, start + 600_000), headers: [("Cookie", cookie)])
            #expect(clock.now - began >= .milliseconds(1400))
            #expect(topLevelBoxes(response.body).last?.0 == "moov")
        }
    }

    @Test("Login 429 fault and expire-sessions through the control endpoint")
    func loginRateLimitFault() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            var faults = FaultSettings()
            faults.loginRateLimitCount = 1
            try await h.setFaults(faults)
            let limited = try await h.request(
                "/api/auth/login", method: .POST, body: #"{"username":"admin","password":"protect"}"#)
            #expect(limited.status == 429)
            _ = try await h.loginUniFiOS()
            #expect(try await h.request("/__sim/expire-sessions", method: .POST).status == 200)
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 401)
            let current = try await h.request("/__sim/faults")
            #expect((current.json() as? [String: Any])?["loginRateLimitCount"] as? Int == 0)
        }
    }

    @Test("Performance model: beyond the concurrent-export limit the console answers 500; stats count the peak")
    func overload() async throws {
        var configuration = Harness.configuration()
        configuration.performance.enabled = true
        configuration.performance.maxConcurrentExports = 2
        // Each export holds its slot for 3 s before the first byte, so all four requests meet even on a busy machine.
        configuration.performance.firstByteBase = 3
        configuration.performance.firstByteSecondsPerHour = 0
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let (start, _) = pastHour()
            let camera = await h.firstCamera()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let s = start + Int64(index) * 60_000
                        return try await h.request(
                            Self.exportPath(camera, s, s + 60_000), headers: [("Cookie", cookie)]
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 2)
            #expect(statuses.filter { $0 == 500 }.count == 2)
            let stats = try await h.stats()
            #expect(stats.peakConcurrentExports == 2)
            #expect(stats.overloadRejections == 2)
            #expect(stats.currentExports == 0)
        }
    }

    @Test("Performance model: a per-stream byte-rate cap and a first-byte delay growing with the range")
    func rateCap() async throws {
        var configuration = Harness.configuration()
        configuration.performance.enabled = true
        configuration.performance.firstByteBase = 0
        configuration.performance.firstByteSecondsPerHour = 1
        configuration.performance.streamBytesPerSecond = 4_000_000
        configuration.performance.totalBytesPerSecond = nil
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let (start, end) = pastHour()
            let camera = await h.firstCamera()
            let clock = ContinuousClock()
            let began = clock.now
            let response = try await h.request(Self.exportPath(camera, start, end), headers: [("Cookie", cookie)])
            let elapsed = clock.now - began
            // 28.8 MB at 4 MB/s is over 7 s, plus 1 s to first byte.
            #expect(response.body.count > 28_000_000)
            #expect(elapsed >= .seconds(7.5))
            #expect(try await h.stats().bytesServed == Int64(response.body.count))
        }
    }
}
