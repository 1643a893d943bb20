import Foundation
import ProtectSimulator
import Synchronization
import TestSupport
import Testing

@Suite("A full-shaped console: the generated bootstrap has every field a real one has")
struct BootstrapShapeTests {
    static func load(_ name: String) throws -> [String: Any] {
        let url = Harness.sharedFixtures.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: url.path), "shared/fixtures must sit beside the clone")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Every key path of `sample` (descending into objects, and into the first object of arrays of objects) that
    /// `generated` lacks.
    static func missing(_ sample: [String: Any], in generated: [String: Any], path: String = "") -> [String] {
        var gaps: [String] = []
        for (key, value) in sample {
            let here = path.isEmpty ? key : "\(path).\(key)"
            guard let mine = generated[key] else {
                gaps.append(here)
                continue
            }
            if let object = value as? [String: Any], let own = mine as? [String: Any], !key.hasSuffix("dewarp") {
                gaps += missing(object, in: own, path: here)
            } else if let first = (value as? [[String: Any]])?.first, let own = (mine as? [[String: Any]])?.first {
                gaps += missing(first, in: own, path: here + "[]")
            }
        }
        return gaps
    }

    @Test("Cameras, NVR, user and lists have every field of the real sample; values follow the cameras")
    func fullShape() async throws {
        var configuration = Harness.configuration()
        configuration.cameras.count = 3
        // The console's time is a clock the test moves on: no waiting for the wall clock to tick.
        let milliseconds = Mutex<Int64>(Int64(Date().timeIntervalSince1970 * 1000))
        configuration.clock = SimulatedClock { milliseconds.withLock { $0 } }
        try await Harness.with(configuration) { h in
            let sample = try Self.load("sample_bootstrap.json")
            let (cookie, _) = try await h.loginUniFiOS()
            let first = try #require(
                try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).json()
                    as? [String: Any])
            let generated = first
            #expect(Self.missing(sample, in: generated).filter { !$0.contains(".") && !$0.contains("[]") } == [])
            let sampleCameras = try #require(sample["cameras"] as? [[String: Any]])
            let doorbell = try #require(sampleCameras.first { $0["type"] as? String == "UVC G4 Doorbell Pro" })
            let plain = try #require(sampleCameras.first { $0["type"] as? String == "UVC G4 Pro" })
            let cameras = try #require(generated["cameras"] as? [[String: Any]])
            #expect(cameras.count == 3)
            for camera in cameras {
                let model = (camera["type"] as? String ?? "").contains("Doorbell") ? doorbell : plain
                #expect(Self.missing(model, in: camera) == [], "\(camera["name"] ?? "")")
            }
            let nvr = try #require(generated["nvr"] as? [String: Any])
            let sampleNVR = try #require(sample["nvr"] as? [String: Any])
            #expect(Self.missing(sampleNVR, in: nvr) == [])
            let user = try #require((generated["users"] as? [[String: Any]])?.first)
            #expect(user["id"] as? String == generated["authUserId"] as? String)
            let sampleUser = try #require((sample["users"] as? [[String: Any]])?.first)
            #expect(Self.missing(sampleUser, in: user).filter { !$0.hasPrefix("settings.") } == [])

            // Values follow the simulated cameras and time.
            let simulated = await h.simulator.cameras()
            for (object, camera) in zip(cameras, simulated) {
                #expect(object["id"] as? String == camera.id)
                #expect(object["name"] as? String == camera.name)
                #expect(
                    (object["featureFlags"] as? [String: Any])?["hasPackageCamera"] as? Bool == camera.hasPackageLens)
                #expect(object["isRecording"] as? Bool == camera.isConnected)
            }
            let end = { (root: [String: Any]) -> Int64? in
                (((root["cameras"] as? [[String: Any]])?.first?["stats"] as? [String: Any])?["video"]
                    as? [String: Any])?["recordingEnd"] as? Int64
            }
            milliseconds.withLock { $0 += 1000 }
            let second = try #require(
                try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).json()
                    as? [String: Any])
            #expect((end(second) ?? 0) > (end(first) ?? Int64.max), "recordingEnd moves with time")
        }
    }

    @Test("A captured bootstrap starts quickly and its cameras' video follows --bitrate")
    func capturedBootstrapBitrate() async throws {
        var configuration = Harness.configuration()
        configuration.bootstrapFile = Harness.sharedFixtures.appendingPathComponent("sample_bootstrap.json").path
        configuration.cameras.bitrate = 200_000
        try await Harness.with(configuration) { h in
            let camera = try #require(await h.simulator.cameras().first { $0.isConnected && $0.recordingStart != nil })
            #expect(camera.channels.first { $0.id == 0 }?.bitrate == 200_000)
            #expect(camera.channels.first { $0.id == 2 }?.bitrate == 12_500)
            let (cookie, _) = try await h.loginUniFiOS()
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let start = now - 3 * 3_600_000
            let export = try await h.request(
                "/proxy/protect/api/video/export?camera=\(camera.id)&start=\(start)&end=\(start + 599_999)",
                headers: [("Cookie", cookie)])
            #expect(export.status == 200)
            // Ten minutes at 200 kbit/s are 15 MB (the sample's own 10 Mbit/s would be 750 MB).
            #expect(export.body.count > 14_000_000 && export.body.count < 17_000_000, "\(export.body.count) bytes")
        }
    }
}
