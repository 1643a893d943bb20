import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("Exports")
struct ExportTests {
    @Test(
        "An export is a real MP4 (ftyp, free, mdat, moov last), chunked, sized by bitrate, and ffprobe reads its duration"
    )
    func exportIsRealMP4() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let camera = await h.firstCamera()
            let (start, end) = pastHour()
            let response = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(end)&channel=0",
                headers: [("Cookie", cookie)])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "video/mp4")
            #expect(response.header("Content-Length") == nil)
            #expect(response.header("Transfer-Encoding")?.lowercased() == "chunked")
            #expect(topLevelBoxes(response.body).map(\.0) == ["ftyp", "free", "mdat", "moov"])
            // 64 kbit/s for an hour is 28.8 MB; the container adds a little.
            let expected = 64_000 / 8 * 3600
            #expect(response.body.count >= expected && response.body.count < expected + expected / 20)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sim-export-\(UUID()).mp4")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(response.body).write(to: file)
            let probe = try #require(try await ffprobe(file.path))
            let duration = Double((probe["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0
            #expect(abs(duration - 3600) < 1)
            let stream = try #require((probe["streams"] as? [[String: Any]])?.first)
            #expect(stream["codec_name"] as? String == "h264")
            #expect(stream["width"] as? Int == 320)
            #expect(stream["height"] as? Int == 180)

            // Deterministic: the same request gives the same bytes, and the library predicts them.
            let again = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(end)&channel=0",
                headers: [("Cookie", cookie)])
            #expect(again.body == response.body)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let predicted = try #require(h.simulator.expectedExport(camera: camera, start: start, end: end, now: now))
            var chunks = predicted.chunks()
            var bytes: [UInt8] = []
            while let chunk = chunks.next() { bytes += Array(buffer: chunk) }
            #expect(bytes == response.body)
            // Another channel is another file, smaller.
            let low = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(end)&channel=2",
                headers: [("Cookie", cookie)])
            #expect(low.status == 200 && low.body.count < response.body.count / 4)
        }
    }

    @Test("Content-Length is sent when switched on")
    func contentLengthMode() async throws {
        var configuration = Harness.configuration()
        configuration.export.contentLength = true
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let camera = await h.firstCamera()
            let (start, _) = pastHour()
            let response = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(start + 600_000)",
                headers: [("Cookie", cookie)])
            #expect(response.header("Content-Length") == String(response.body.count))
        }
    }

    @Test("Bad or missing parameters get 400, an unknown camera 404, a range without footage 500 No files found")
    func exportErrors() async throws {
        var configuration = Harness.configuration()
        let (gapStart, gapEnd) = pastHour(hoursAgo: 5)
        configuration.gaps = [.init(cameraIndex: 1, start: gapStart, end: gapEnd + 1)]
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let cameras = await h.simulator.cameras()
            let (start, end) = pastHour()
            func status(_ query: String) async throws -> (Int, String) {
                let response = try await h.request(
                    "/proxy/protect/api/video/export?\(query)", headers: [("Cookie", cookie)])
                return (response.status, response.text)
            }
            let id = cameras[1].id
            #expect(try await status("start=\(start)&end=\(end)").0 == 400)
            #expect(try await status("camera=\(id)&end=\(end)").0 == 400)
            #expect(try await status("camera=\(id)&start=abc&end=\(end)").0 == 400)
            #expect(try await status("camera=\(id)&start=\(end)&end=\(start)").0 == 400)
            #expect(try await status("camera=\(id)&start=\(start)&end=\(end)&channel=7").0 == 400)
            #expect(try await status("camera=\(id)&start=\(start)&end=\(end)&lens=2").0 == 400)
            #expect(try await status("camera=\(id)&start=\(start)&end=\(end)&type=timelapse&fps=3").0 == 400)
            #expect(try await status("camera=ffffffffffffffffffffffff&start=\(start)&end=\(end)").0 == 404)
            let gap = try await status("camera=\(id)&start=\(gapStart)&end=\(gapEnd)")
            #expect(gap.0 == 500)
            #expect(gap.1 == #"{"error":"No files found matching criteria."}"#)
            // The gap is on camera 1 only.
            #expect(try await status("camera=\(cameras[0].id)&start=\(gapStart)&end=\(gapEnd)").0 == 200)
            // Before the recording started there is nothing either.
            let early = (cameras[1].recordingStart ?? 0) - 7_200_000
            #expect(try await status("camera=\(id)&start=\(early)&end=\(early + 3_599_999)").0 == 500)
            #expect(try await h.stats().emptyExports == 2)
        }
    }

    @Test("Package lens, timelapse and the two-step prepare + download export")
    func lensTimelapseAndPrepare() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let doorbell = await h.firstCamera()
            #expect(doorbell.hasPackageLens)
            let (start, end) = pastHour()
            let base = "/proxy/protect/api/video"
            let package = try await h.request(
                "\(base)/export?camera=\(doorbell.id)&start=\(start)&end=\(end)&lens=2", headers: [("Cookie", cookie)])
            #expect(package.status == 200)
            let timelapse = try await h.request(
                "\(base)/export?camera=\(doorbell.id)&start=\(start)&end=\(end)&type=timelapse&fps=4",
                headers: [("Cookie", cookie)])
            #expect(timelapse.status == 200)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sim-tl-\(UUID()).mp4")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(timelapse.body).write(to: file)
            let duration =
                Double(((try await ffprobe(file.path))?["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0
            #expect(abs(duration - 60) < 1)  // 60x: an hour in a minute

            let prepared = try await h.request(
                "\(base)/prepare?camera=\(doorbell.id)&start=\(start)&end=\(end)&channel=0&type=rotating&filename=x.mp4",
                headers: [("Cookie", cookie)])
            let name = try #require((prepared.json() as? [String: Any])?["fileName"] as? String)
            let downloaded = try await h.request(
                "\(base)/download?camera=\(doorbell.id)&filename=\(name)", headers: [("Cookie", cookie)])
            let direct = try await h.request(
                "\(base)/export?camera=\(doorbell.id)&start=\(start)&end=\(end)&channel=0",
                headers: [("Cookie", cookie)])
            #expect(downloaded.status == 200)
            #expect(downloaded.body == direct.body)
            #expect(
                try await h.request(
                    "\(base)/download?camera=\(doorbell.id)&filename=nope.mp4", headers: [("Cookie", cookie)]
                ).status == 404)
        }
    }

    @Test("A motion-only camera has no footage in its quiet hours")
    func motionOnlyQuietHours() async throws {
        var configuration = Harness.configuration()
        configuration.cameras.motionOnlyCount = 1
        configuration.cameras.timeZone = "UTC"
        configuration.cameras.historyHours = 30
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let camera = await h.simulator.cameras().last!
            #expect(camera.motionOnly)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // 02:00 UTC of the last day that is fully recorded.
            let day = (now - 26 * 3_600_000) / 86_400_000 * 86_400_000
            var quiet = day + 2 * 3_600_000
            if quiet < camera.recordingStart! { quiet += 86_400_000 }
            let response = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(quiet)&end=\(quiet + 3_599_999)",
                headers: [("Cookie", cookie)])
            #expect(response.status == 500)
            let busy = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(quiet + 4 * 3_600_000)&end=\(quiet + 5 * 3_600_000 - 1)",
                headers: [("Cookie", cookie)])
            #expect(busy.status == 200)
        }
    }
}
