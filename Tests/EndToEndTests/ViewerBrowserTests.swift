import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl serve in Chromium, driven by selenium as a person would use it")
struct ViewerBrowserTests {
    /// The repository's root.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    @Test("The timeline shows the archived hours; a click ten seconds before the hour plays on past it")
    func clickAndPlayAcrossTheHour() async throws {
        let python = Self.root.appendingPathComponent(".build-peers/browser-venv/bin/python").path
        try #require(
            FileManager.default.isExecutableFile(atPath: python), "selenium's venv is missing: run .ci/run once")
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
            "chromedriver is missing (Debian: chromium-driver)")
        try await Scenario.with(clipConsole(cameras: 2), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let camera = (await s.simulator.cameras())[0]
            let (first, second) = try s.archivedBoundary(camera: camera.id)
            let target = second.start - 10_000
            let shots = Self.root.appendingPathComponent(".build/test-artefacts/viewer")
            try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
            let run = try await ViewerEndToEndTests.withViewer(s) { base in
                try await runProcess(
                    python,
                    [
                        Self.root.appendingPathComponent("Tests/EndToEndTests/Peers/viewer_browser.py").path,
                        base + "/",
                        camera.id, String(target), "15", shots.path, String(first.start + 1_800_000),
                        String(second.start + 1_800_000), String(first.start - 5_400_000),
                    ], timeout: 180)
            }
            try #require(run.status == 0, "\(run.stderr)")
            let result = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            // Both archived hours are drawn green; an hour before the archive began is not.
            let colours = try #require(result["colours"] as? [[Int]])
            #expect(colours.count == 3)
            #expect(colours.prefix(2).allSatisfy { $0 == [0x3a, 0x8f, 0x4a] }, "\(colours)")
            #expect(colours.last != [0x3a, 0x8f, 0x4a], "\(colours)")
            #expect(result["speedOptions"] as? [String] == ["1", "2", "4", "8", "16"])
            func picture(_ key: String) throws -> OverlayReader {
                let frame = try #require(result[key] as? [String: Any])
                let luma = try #require(Data(base64Encoded: frame["luma"] as? String ?? ""))
                return OverlayReader(
                    width: frame["width"] as? Int ?? 0, height: frame["height"] as? Int ?? 0, luma: Array(luma))
            }
            // The picture's own clock: at the clicked second (or up to two after: the frame is read a few browser
            // round trips after playback began; a click a pixel off would be 12 s off), then past the hour.
            let shown = try picture("first").time()
            #expect((0...2).map { s.clockText(target + Int64($0) * 1000) }.contains(shown), "\(shown)")
            let later = try picture("later").time()
            let laterWall = (result["later"] as? [String: Any])?["wall"] as? Double
            #expect(
                later >= s.clockText(second.start + 5_000),
                "\(later); the player's clock then: \(laterWall.map { s.clockText(Int64($0)) } ?? "none")")
            #expect(later.count == 19 && !later.contains("?"), "\(later)")
            #expect((result["clickToFirstFrameMs"] as? Int ?? .max) < 30_000)
        }
    }
}
