import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("Video a person would recognise: the camera's name and the time burned into the picture")
struct OverlayTests {
    @Test(
        "A decoded frame shows the camera's name and its wall-clock second in the console's time zone",
        arguments: [(320, 180, 5), (1280, 720, 15)])
    func nameAndTime(width: Int, height: Int, fps: Int) async throws {
        var configuration = Harness.configuration()
        configuration.cameras.width = width
        configuration.cameras.height = height
        configuration.cameras.framesPerSecond = fps
        configuration.cameras.timeZone = "Europe/Paris"
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let camera = await h.firstCamera()
            // Ten minutes from the start of a past hour.
            let (start, _) = pastHour()
            let response = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(start + 599_999)",
                headers: [("Cookie", cookie)])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("overlay-\(UUID()).mp4")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(response.body).write(to: file)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "Europe/Paris")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            let timeTop = (VideoOverlay.margin + 7 * VideoOverlay.scale(width: width) + 16) / 16 * 16
            // A key frame (10 s), a frame that only redraws the clock (12.4 s), and the last second.
            for seconds in [10.0, 12.4, 599.5] {
                let frame = try await Probe.frame(file.path, at: seconds)
                let shown = frame.time()
                let expected = formatter.string(
                    from: Date(timeIntervalSince1970: Double(start) / 1000 + seconds.rounded(.down)))
                #expect(shown == expected, "at \(seconds) s")
                let name = frame.name(count: camera.name.count)
                #expect(name == camera.name.uppercased(), "at \(seconds) s")
                // The rest of the picture stays one flat grey.
                let grey = frame.luma[(height / 2) * width + width / 2]
                #expect(frame.luma[(height - 1) * width + width - 1] == grey)
                #expect(frame.luma[timeTop * width + width - 1] == grey)
            }
        }
    }
}
