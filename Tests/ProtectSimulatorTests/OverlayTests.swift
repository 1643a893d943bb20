import Foundation
import ProtectSimulator
import Testing

/// Reads the burned-in text of a decoded frame back, glyph by glyph, as a person reading the picture would.
struct FrameReader {
    let width: Int
    let height: Int
    let luma: [UInt8]

    /// Decodes the frame shown at `seconds` of `path` with ffmpeg, as 8-bit grey (on a thread of its own: a blocking
    /// wait on the concurrency pool would starve the simulators of the other tests).
    static func decode(_ path: String, at seconds: Double) async throws -> FrameReader {
        let probe = try #require(try ffprobe(path))
        let stream = try #require((probe["streams"] as? [[String: Any]])?.first)
        let width = try #require(stream["width"] as? Int)
        let height = try #require(stream["height"] as? Int)
        let ffmpeg = (try ffprobeExecutable() as NSString).deletingLastPathComponent + "/ffmpeg"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = [
            "-v", "error", "-ss", String(seconds), "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray",
            "-",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data: Data = await withCheckedContinuation { continuation in
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
        #expect(process.terminationStatus == 0)
        #expect(data.count == width * height)
        return FrameReader(width: width, height: height, luma: Array(data))
    }

    var overlay: OverlayReader { OverlayReader(width: width, height: height, luma: luma) }
}

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
                let frame = try await FrameReader.decode(file.path, at: seconds)
                let shown = frame.overlay.time()
                let expected = formatter.string(
                    from: Date(timeIntervalSince1970: Double(start) / 1000 + seconds.rounded(.down)))
                #expect(shown == expected, "at \(seconds) s")
                let name = frame.overlay.name(count: camera.name.count)
                #expect(name == camera.name.uppercased(), "at \(seconds) s")
                // The rest of the picture stays one flat grey.
                let grey = frame.luma[(height / 2) * width + width / 2]
                #expect(frame.luma[(height - 1) * width + width - 1] == grey)
                #expect(frame.luma[timeTop * width + width - 1] == grey)
            }
        }
    }
}
