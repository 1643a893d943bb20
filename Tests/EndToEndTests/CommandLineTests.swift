import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl options beyond the basics, and the demo")
struct CommandLineTests {
    @Test("--console forces the generation; the password can come from a file; pinning by fingerprint")
    func consoleOverridePasswordFileAndPin() async throws {
        try await Scenario.with(Scenario.small(.legacy), hours: 1) { s in
            let passwordFile = s.destination.appendingPathComponent("../pw-\(UUID())").standardizedFileURL
            try "protect\n".write(to: passwordFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: passwordFile) }
            let fingerprint = try #require(s.simulator.identity?.fingerprint)
            let camera = (await s.simulator.cameras())[1].id
            let result = try await Binary.run(
                s.arguments(
                    ["--console", "legacy", "--password-file", passwordFile.path, "--pin-sha256", fingerprint],
                    cameras: camera),
                password: nil)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(s.filesOnDisk().count == 1)

            let forcedWrong = try await Binary.run(
                s.arguments(["--console", "unifi-os", "--retries", "0"], cameras: camera))
            #expect(forcedWrong.status == 2, "\(forcedWrong.stderr)")

            let wrongPin = try await Binary.run(
                s.arguments(["--pin-sha256", String(repeating: "00", count: 32)], cameras: camera))
            #expect(wrongPin.status == 8)
            #expect(wrongPin.stderr.contains("fingerprint"))

            let noPassword = try await Binary.run(s.arguments(cameras: camera), password: nil)
            #expect(noPassword.status == 64)
            #expect(noPassword.stderr.contains("PROTECT_DL_PASSWORD"))
        }
    }

    @Test("protect-dl demo downloads real MP4 files from the in-process console")
    func demo() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-demo-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await Binary.run(
            ["demo", "--dest", folder.path, "--cameras", "1", "--hours", "1"], password: nil)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 files downloaded, 0 files skipped, 1 files total"))
        #expect(result.stdout.contains("The console saw "), "\(result.stdout)")
        let files =
            FileManager.default.enumerator(atPath: folder.path)?.allObjects.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".mp4") } ?? []
        let file = try #require(files.first)
        #expect(files.count == 1)
        let probe = try await Probe.of(folder.appendingPathComponent(file).path)
        #expect(probe.codec == "h264")
        #expect((probe.duration ?? 0) > 3000)
        // A frame shows the camera's name and the second the file's name says, in the console's time zone.
        let frame = try await Probe.frame(folder.appendingPathComponent(file).path, at: 2.5)
        let named = try #require(
            file.firstMatch(of: /(\d{4}-\d{2}-\d{2})--(\d{2})-(\d{2})-(\d{2})([+-]\d{4})/), "\(file)")
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.dateFormat = "yyyy-MM-dd HH:mm:ssZ"
        let start = try #require(parser.date(from: "\(named.1) \(named.2):\(named.3):\(named.4)\(named.5)"))
        let shown = DateFormatter()
        shown.locale = Locale(identifier: "en_US_POSIX")
        shown.timeZone = TimeZone(identifier: SimulatorConfiguration().cameras.timeZone)
        shown.dateFormat = "yyyy-MM-dd HH:mm:ss"
        #expect(frame.time() == shown.string(from: start.addingTimeInterval(2)), "\(file)")
        let camera = CameraCatalog.plainNames[0]
        #expect(file.contains(camera.replacingOccurrences(of: " ", with: "_")), "\(file)")
        #expect(frame.name(count: camera.count) == camera.uppercased(), "\(file)")
    }
}
