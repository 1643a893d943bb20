import Foundation
import ProtectSimulator
import TestSupport
import Testing

@Suite("Events, images and captured data")
struct EventAndFixtureTests {
    static var fixturesAvailable: Bool {
        FileManager.default.fileExists(
            atPath: Harness.sharedFixtures.appendingPathComponent("sample_bootstrap.json").path)
    }

    @Test("The shared real bootstrap and 1,351 real events are served, with the events quirks")
    func capturedBootstrapAndEvents() async throws {
        try #require(Self.fixturesAvailable, "shared/fixtures must sit beside the clone")
        var configuration = Harness.configuration()
        configuration.bootstrapFile = Harness.sharedFixtures.appendingPathComponent("sample_bootstrap.json").path
        configuration.eventsFile = Harness.sharedFixtures.appendingPathComponent("sample_raw_events.json").path
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let bootstrap = try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)])
            let root = try #require(bootstrap.json() as? [String: Any])
            let cameras = try #require(root["cameras"] as? [[String: Any]])
            #expect(cameras.count == 12)
            #expect((root["nvr"] as? [String: Any])?["timezone"] as? String == "America/New_York")
            #expect(cameras.contains { $0["name"] as? String == "Mxxoxar Gyd" })

            func events(_ query: String) async throws -> [[String: Any]] {
                let response = try await h.request("/proxy/protect/api/events?\(query)", headers: [("Cookie", cookie)])
                return try #require(response.json() as? [[String: Any]])
            }
            #expect(try await events("limit=2000").count == 1351)
            #expect(try await events("types=motion&limit=2000").count == 628)
            #expect(try await events("types=ring&types=smartDetectZone&limit=2000").count == 96)
            // A comma-joined value silently matches nothing.
            #expect(try await events("types=ring,smartDetectZone&limit=2000").isEmpty)
            #expect(try await events("types=smartDetectZone&smartDetectTypes=vehicle&limit=2000").count == 8)
            // Paging and ordering.
            let ascending = try await events("types=motion&orderDirection=ASC&limit=10&offset=0")
            let nextPage = try await events("types=motion&orderDirection=ASC&limit=10&offset=10")
            #expect(ascending.count == 10 && nextPage.count == 10)
            let starts = (ascending + nextPage).compactMap { ($0["start"] as? NSNumber)?.int64Value }
            #expect(starts == starts.sorted())
            let descending = try await events("types=motion&limit=5")
            #expect(((descending.first?["start"] as? NSNumber)?.int64Value ?? 0) >= (starts.last ?? 0))
            // The range applies only with types.
            let first = starts[0]
            let ranged = try await events("types=motion&start=\(first)&end=\(first + 1)&limit=100")
            #expect(!ranged.isEmpty && ranged.count < 5)
            #expect(try await events("start=\(first)&end=\(first + 1)&limit=100").count == 100)

            // A still-open event has no thumbnail; an ended one has.
            let all = try await events("limit=2000")
            let open = try #require(all.first { $0["end"] is NSNull })
            let closed = try #require(all.first { $0["end"] is NSNumber })
            let openID = try #require(open["id"] as? String)
            let closedID = try #require(closed["id"] as? String)
            #expect(
                try await h.request("/proxy/protect/api/events/\(openID)/thumbnail", headers: [("Cookie", cookie)])
                    .status == 404)
            #expect(
                try await h.request("/proxy/protect/api/events/\(openID)/heatmap", headers: [("Cookie", cookie)]).status
                    == 404)
            let thumbnail = try await h.request(
                "/proxy/protect/api/events/\(closedID)/thumbnail", headers: [("Cookie", cookie)])
            #expect(thumbnail.status == 200 && Array(thumbnail.body.prefix(2)) == [0xFF, 0xD8])
            let heatmap = try await h.request(
                "/proxy/protect/api/events/\(closedID)/heatmap", headers: [("Cookie", cookie)])
            #expect(heatmap.status == 200 && Array(heatmap.body.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        }
    }

    @Test("Generated events cover every camera, include an open one, and their images decode")
    func generatedEventsAndImages() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let response = try await h.request(
                "/proxy/protect/api/events?limit=5000&orderDirection=ASC", headers: [("Cookie", cookie)])
            let events = try #require(response.json() as? [[String: Any]])
            let cameraIDs = Set(await h.simulator.cameras().map(\.id))
            #expect(Set(events.compactMap { $0["camera"] as? String }) == cameraIDs)
            #expect(events.contains { $0["end"] is NSNull })
            #expect(events.contains { ($0["smartDetectTypes"] as? [String])?.contains("person") == true })
            let closed = try #require(events.first { $0["end"] is NSNumber }?["id"] as? String)
            let thumbnail = try await h.request(
                "/proxy/protect/api/events/\(closed)/thumbnail?w=320&h=180", headers: [("Cookie", cookie)])
            let heatmap = try await h.request(
                "/proxy/protect/api/events/\(closed)/heatmap", headers: [("Cookie", cookie)])
            let camera = await h.firstCamera()
            let snapshot = try await h.request(
                "/proxy/protect/api/cameras/\(camera.id)/snapshot?ts=0&force=true&w=200&h=100",
                headers: [("Cookie", cookie)])
            let (start, _) = pastHour()
            let recorded = try await h.request(
                "/proxy/protect/api/cameras/\(camera.id)/recording-snapshot?ts=\(start)", headers: [("Cookie", cookie)])
            let before = try await h.request(
                "/proxy/protect/api/cameras/\(camera.id)/recording-snapshot?ts=\(camera.recordingStart! - 3_600_000)",
                headers: [("Cookie", cookie)])
            #expect(before.status == 404)
            for (image, width, height) in [
                (thumbnail, 320, 180), (heatmap, 320, 180), (snapshot, 200, 100), (recorded, 320, 180),
            ] {
                #expect(image.status == 200)
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("sim-img-\(UUID())")
                defer { try? FileManager.default.removeItem(at: file) }
                try Data(image.body).write(to: file)
                let stream = try #require((try await ffprobe(file.path)?["streams"] as? [[String: Any]])?.first)
                #expect(stream["width"] as? Int == width)
                #expect(stream["height"] as? Int == height)
            }
        }
    }

    @Test("Hostile camera names are generated when asked")
    func hostileNames() async throws {
        var configuration = Harness.configuration()
        configuration.cameras.hostileNames = true
        configuration.cameras.count = 12
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let response = try await h.request("/proxy/protect/api/cameras", headers: [("Cookie", cookie)])
            let names = try #require(response.json() as? [[String: Any]]).compactMap { $0["name"] as? String }
            #expect(names.contains { $0.contains("/") })
            #expect(names.contains("../../escape"))
            #expect(names.contains { $0.hasPrefix(" ") })
            #expect(names.contains { $0.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } })
            #expect(names.contains { $0.count > 200 })
            #expect(names.contains { $0.contains("\"") })
        }
    }

    @Test("Plain HTTP works for debugging, and the TLS certificate's fingerprint is a SHA-256")
    func plainHTTPAndFingerprint() async throws {
        var configuration = Harness.configuration()
        configuration.network.tls = false
        try await Harness.with(configuration) { h throws in
            #expect(h.endpoint.scheme == "http")
            #expect(try await h.request("/").status == 200)
        }
        let simulator = try ConsoleSimulator(configuration: Harness.configuration())
        let fingerprint = try #require(simulator.identity?.fingerprint)
        #expect(fingerprint.split(separator: ":").count == 32)
    }
}
