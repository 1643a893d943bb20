import Foundation
import Logging
import ProtectAPI
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("Event images beside clips")
struct EngineImageTests {
    @Test("An image the console never renders fails the run with its own cause (HTTP 404), after the image retries")
    func imageKeepsCause() async throws {
        let logger = {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            return logger
        }()
        var configuration = SimulatorConfiguration(mode: .unifiOS)
        configuration.cameras.count = 1
        configuration.cameras.historyHours = 4
        configuration.cameras.packageCamera = false
        let simulator = try ConsoleSimulator(configuration: configuration, logger: logger)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-images-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await simulator.withRunning { endpoint in
            try await ProtectClient.withConnection(
                configuration: ConsoleConfiguration(host: endpoint.host, port: endpoint.port),
                credentials: Credentials(username: "admin", password: "protect"), logger: logger
            ) { client in
                let camera = try #require(try await client.bootstrap().cameras.first)
                let start = (Int64(Date().timeIntervalSince1970 * 1000) / 3_600_000 - 2) * 3_600_000
                var item = ExportItem(
                    request: ExportRequest(cameraID: camera.id, start: start, end: start + 59_999),
                    info: SegmentInfo(
                        cameraID: camera.id, cameraName: camera.name, start: start, end: start + 59_999,
                        path: "clip.mp4"))
                item.images = [
                    ImageItem(request: .eventThumbnail(eventID: "000000000000000000000000"), path: "clip.thumbnail.jpg")
                ]
                let time = MovedTime()
                var options = EngineOptions(destination: folder)
                options.time = time.source
                do {
                    _ = try await DownloadEngine(options: options, logger: logger).run([item], client: client) { _ in }
                    Issue.record("a run whose image failed must fail")
                } catch ArchiveError.downloadFailed(let path, let underlying, let summary) {
                    #expect(path == "images")
                    #expect(summary.downloaded == 1)
                    guard case ArchiveError.imagesFailed(let count, let first) = underlying else {
                        Issue.record("expected the images' failure, got \(underlying)")
                        return
                    }
                    #expect(count == 1)
                    let cause = try #require(first as? ProtectError)
                    #expect(cause.kind == .httpError)
                    #expect(cause.status == 404)
                    // Six attempts (the default), waiting the retry delay (2 s) times 1, 2, 3, 4 and 4, in moved time.
                    #expect(time.sleeps == [2, 4, 6, 8, 8])
                    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("clip.mp4").path))
                    #expect(
                        !FileManager.default.fileExists(
                            atPath: folder.appendingPathComponent("clip.thumbnail.jpg").path))
                }
            }
        }
    }
}
