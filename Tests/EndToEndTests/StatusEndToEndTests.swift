import Foundation
import ProtectArchive
import TestSupport
import Testing

@Suite("protect-dl status: the archive's timeline in the terminal, as JSON, and as a page Chromium renders")
struct StatusEndToEndTests {
    static let chromium = "/usr/bin/chromium"

    @Test("verified, unverified, failed and missing hours are told apart; the HTML page shows the same in Chromium")
    func timeline() async throws {
        try await Scenario.with(syncConsole(cameras: 2), frozen: true) { s in
            let sync = try await Binary.run(s.sync(["--quiet"]))
            #expect(sync.status == 0, "\(sync.stderr)")
            let complete = try s.state().segments(status: .complete)
            try #require(complete.count >= 4)
            func status(_ extra: [String] = []) async throws -> ArchiveStatus {
                let result = try await Binary.run(["status", "--dest", s.destination.path, "--json"] + extra)
                try #require(result.status == 0, "\(result.stderr)")
                return try JSONDecoder().decode(ArchiveStatus.self, from: Data(result.stdout.utf8))
            }
            // Just downloaded: nothing verified yet.
            let fresh = try await status()
            #expect(fresh.totals["unverified"] == complete.count && fresh.totals["archived"] == nil)

            // verify reads every file back: all archived. Then one camera gets a failed hour two hours before its
            // first, leaving one missing hour between, and a file is downloaded again (a new hash: unverified).
            let verify = try await Binary.run(["verify", "--dest", s.destination.path])
            #expect(verify.status == 0, "\(verify.stdout)")
            let first = try #require(complete.first)
            let last = try #require(complete.last)
            do {
                // Its lock goes with it at the end of this scope.
                let state = try ArchiveState(destination: s.destination, create: false, exclusive: true)
                try state.recordOutcome(
                    cameraID: first.cameraID, stream: first.stream, start: first.start - 7_200_000,
                    end: first.start - 3_600_000, path: "failed.mp4", status: .failed, reason: "HTTP 500", attempts: 3)
                try state.recordComplete(
                    cameraID: last.cameraID, stream: last.stream, start: last.start, end: last.end, path: last.path,
                    size: last.size, sha256: String(repeating: "0", count: 64), adopted: false)
                // An open alert (shown) and a notice (not an alert that lasts: not shown).
                try state.saveAlerts(
                    [
                        AlertRecord(
                            key: AlertKey(.cameraStale, console: "default", subject: first.cameraID), since: first.end,
                            raisedAt: first.end, detail: "The newest footage is old.", label: "Front"),
                        AlertRecord(
                            key: AlertKey(.cameraAdded, console: "default", subject: first.cameraID), since: first.end,
                            raisedAt: first.end, detail: "Front appeared on the console.", label: "Front"),
                    ], removing: [])
            }

            let page = s.destination.appendingPathComponent("status.html")
            let result = try await Binary.run(["status", "--dest", s.destination.path, "--html", page.path])
            #expect(result.status == 0, "\(result.stderr)")
            // Not a terminal: plain marks, no escape codes; the failed hour (X), the missing one (?) and the
            // re-downloaded one (+) on the first camera's lines.
            #expect(!result.stdout.contains("\u{1B}["))
            #expect(result.stdout.contains("X?#") || result.stdout.contains("X?+"), "\(result.stdout)")
            #expect(result.stdout.contains("+"))
            let picture = try await status()
            #expect(picture.totals["failed"] == 1 && picture.totals["missing"] == 1)
            #expect(picture.totals["archived"] == complete.count - 1 && picture.totals["unverified"] == 1)
            #expect(picture.oldest == first.start - 7_200_000)
            #expect(picture.alerts.map(\.kind) == ["camera-stale"] && picture.alerts.first?.camera == "Front")
            let camera = try #require(picture.cameras.first { $0.id == first.cameraID })
            #expect(camera.hours.first?.state == .failed && camera.hours.first?.note == "HTTP 500")
            // --cameras narrows the picture.
            let other = try #require(picture.cameras.first { $0.id != first.cameraID })
            #expect(try await status(["--cameras", other.name]).cameras.map(\.id) == [other.id])

            // The page, rendered by a real browser from disk, offline: its script drew one cell per hour state.
            try #require(
                FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium is missing (Debian: chromium)")
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID())")
            defer { try? FileManager.default.removeItem(at: profile) }
            let dom = try await runProcess(
                Self.chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
                    "--virtual-time-budget=5000", "--dump-dom", page.absoluteString,
                ], timeout: 120)
            #expect(dom.status == 0, "\(dom.stderr)")
            #expect(dom.stdout.contains("data-rendered=\"yes\""), "\(dom.stdout.prefix(2000))")
            func cells(_ state: String) -> Int { dom.stdout.components(separatedBy: "class=\"h \(state)\"").count - 1 }
            #expect(cells("archived") == complete.count - 1)
            #expect(cells("unverified") == 1 && cells("failed") == 1 && cells("missing") == 1)
            // Hovering shows the file, its size and hash (the title attribute).
            let archived = try #require(complete.first { $0.path != last.path })
            #expect(dom.stdout.contains(archived.path) && dom.stdout.contains("SHA-256 \(archived.sha256 ?? "?")"))
            #expect(dom.stdout.contains("\(archived.size) bytes"))
            #expect(dom.stdout.contains("2 streams: \(complete.count - 1) archived, 1 unverified"))
            // An hour axis, the stream as people say it, the time it was made and of the last pass in the console's
            // zone without milliseconds, decimal units as in the terminal, hours outside the range told from pruned.
            #expect(dom.stdout.contains(#"<span class="date">hour</span><span class="h">00</span>"#))
            #expect(dom.stdout.contains("(hours, high quality)") && !dom.stdout.contains("(stream 0)"))
            #expect(dom.stdout.contains("generated at ") && dom.stdout.contains("; last pass: "))
            let summary = try #require(
                dom.stdout.components(separatedBy: #"id="summary">"#).dropFirst().first?.components(
                    separatedBy: "</p>"
                ).first)
            #expect(!summary.contains(".000Z") && summary.contains("oldest 20"), "\(summary)")
            #expect(!dom.stdout.contains("MiB"))
            #expect(dom.stdout.contains(" MB") && dom.stdout.contains("outside the range"))
            #expect(result.stdout.contains("  hour       00 03 06"), "\(result.stdout)")
            // The open alert, not the notice.
            #expect(dom.stdout.contains("1 open alerts"), "\(dom.stdout.prefix(3000))")
            #expect(dom.stdout.contains("data-kind=\"camera-stale\""))
            #expect(
                dom.stdout.contains("camera stale: Front, since ") && dom.stdout.contains("The newest footage is old."))
            #expect(!dom.stdout.contains("appeared on the console"))
        }
    }
}
