import Foundation
import Logging
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// An HTTP answer as curl saw it.
struct CurlAnswer {
    var status: Int
    var headers: String
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// `curl` with `arguments` (`--path-as-is`: the path goes out exactly as written).
    static func get(_ url: String, _ arguments: [String] = []) async throws -> CurlAnswer {
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID())")
        defer { try? FileManager.default.removeItem(at: body) }
        let run = try await runProcess(
            "/usr/bin/curl", ["-s", "--path-as-is", "-D", "-", "-o", body.path] + arguments + [url], timeout: 60)
        let status = run.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return CurlAnswer(status: status, headers: run.stdout, body: (try? Data(contentsOf: body)) ?? Data())
    }
}

@Suite("protect-dl serve: the archive in a browser, read-only")
struct ViewerEndToEndTests {
    /// A viewer on a free loopback port over `s`'s archive, for `body`.
    static func withViewer<T: Sendable>(
        _ s: Scenario, password: String? = nil, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "viewer")
        logger.logLevel = .critical
        var server = ViewerServer(
            address: try #require(MetricsServer.Address("127.0.0.1:0")), destination: s.destination,
            state: try s.state(), logger: logger)
        server.password = password
        server.failureDelay = .milliseconds(300)
        return try await server.withRunning { port in try await body("http://127.0.0.1:\(port)") }
    }

    @Test("Pages and data, range requests, nothing outside the archive, and a password beyond loopback")
    func http() async throws {
        try await Scenario.with(clipConsole(cameras: 1), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let camera = (await s.simulator.cameras())[0]
            let (first, _) = try s.archivedBoundary(camera: camera.id)
            let refused = try await s.run(["serve", "--dest", s.destination.path, "--listen", "0.0.0.0:0"])
            #expect(refused.status == 64 && refused.stderr.contains("--password-file"), "\(refused.stderr)")

            // A row whose file is a symbolic link out of the archive is never served.
            let outside = s.destination.appendingPathComponent("../outside-\(UUID()).mp4").standardizedFileURL
            try Data("secret".utf8).write(to: outside)
            defer { try? FileManager.default.removeItem(at: outside) }
            try FileManager.default.createSymbolicLink(
                atPath: s.destination.appendingPathComponent("link.mp4").path, withDestinationPath: outside.path)
            do {
                let state = try ArchiveState(destination: s.destination, create: false, exclusive: true)
                try state.recordComplete(
                    cameraID: camera.id, stream: "0", start: 3_600_000, end: 7_200_000, path: "link.mp4", size: 6,
                    sha256: "00", adopted: false, duration: 3600)
            }

            try await Self.withViewer(s) { base in
                let page = try await CurlAnswer.get(base + "/")
                #expect(page.status == 200 && page.text.contains("/app.js"))
                let script = try await CurlAnswer.get(base + "/app.js")
                #expect(script.status == 200)
                // Everything the page loads comes from the viewer: no address elsewhere.
                for text in [page.text, script.text] {
                    #expect(!text.contains("http://") && !text.contains("https://"))
                }
                let cameras = try await CurlAnswer.get(base + "/api/cameras")
                #expect(cameras.text.contains(camera.id), "\(cameras.text)")
                let timeline = try await CurlAnswer.get(
                    base + "/api/timeline?camera=\(camera.id)&from=\(first.start)&to=\(first.end)&buckets=4")
                let buckets = try #require(
                    (try JSONSerialization.jsonObject(with: timeline.body) as? [String: Any])?["buckets"] as? [[Int64]])
                #expect(buckets.count == 4 && buckets.allSatisfy { $0[2] == 900_000 }, "\(buckets)")

                let media = "\(base)/media/\(camera.id)/\(first.start).mp4"
                let file = try Data(contentsOf: s.destination.appendingPathComponent(first.path))
                let part = try await CurlAnswer.get(media, ["-H", "Range: bytes=100-199"])
                #expect(part.status == 206 && part.body == file[100..<200])
                #expect(part.headers.lowercased().contains("content-range: bytes 100-199/\(file.count)"))
                let tail = try await CurlAnswer.get(media, ["-H", "Range: bytes=-10"])
                #expect(tail.status == 206 && tail.body == file.suffix(10))
                let whole = try await CurlAnswer.get(media)
                #expect(whole.status == 200 && whole.body == file)
                let beyond = try await CurlAnswer.get(media, ["-H", "Range: bytes=\(file.count)-"])
                #expect(beyond.status == 416)

                for path in [
                    "/media/../../../../etc/passwd", "/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
                    "/media/\(camera.id)/..%2f..%2f.protect-dl%2fstate.sqlite", "/media/\(camera.id)/3600000.mp4",
                    "/still/..%2f..", "/%2e%2e/%2e%2e/etc/passwd",
                ] {
                    let answer = try await CurlAnswer.get(base + path)
                    #expect(answer.status >= 400, "\(path): \(answer.status)")
                    #expect(
                        !answer.text.contains("root:") && !answer.text.contains("secret")
                            && !answer.text.contains("SQLite"))
                }
                let still = try await CurlAnswer.get(base + "/still/\(camera.id)")
                #expect(still.status == 200 && still.body.prefix(2) == Data([0xFF, 0xD8]))
            }

            try await Self.withViewer(s, password: "s3cret word") { base in
                let page = try await CurlAnswer.get(base + "/")
                #expect(page.status == 303 && page.headers.contains("/login"))
                #expect(try await CurlAnswer.get(base + "/api/cameras").status == 401)
                #expect(try await CurlAnswer.get(base + "/media/\(camera.id)/\(first.start).mp4").status == 401)
                let started = ContinuousClock.now
                let wrong = try await CurlAnswer.get(base + "/login", ["--data", "password=guess"])
                #expect(wrong.status == 401)
                #expect(ContinuousClock.now - started >= .milliseconds(300))
                let right = try await CurlAnswer.get(base + "/login", ["--data", "password=s3cret+word"])
                #expect(right.status == 303)
                let cookie = try #require(
                    right.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                let session = String(cookie.dropFirst("set-cookie: ".count).split(separator: ";")[0])
                #expect(try await CurlAnswer.get(base + "/api/cameras", ["-H", "Cookie: \(session)"]).status == 200)
                #expect(
                    try await CurlAnswer.get(base + "/api/cameras", ["-H", "Authorization: Bearer s3cret word"]).status
                        == 200)
                #expect(
                    try await CurlAnswer.get(base + "/api/cameras", ["-H", "Cookie: protect_dl_session=x"]).status
                        == 401)
            }
        }
    }
}
