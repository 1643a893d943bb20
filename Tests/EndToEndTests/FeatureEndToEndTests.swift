import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

/// The connection options for a scenario's console.
func connection(_ s: Scenario) -> [String] {
    ["--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin", "--retry-delay", "0.05"]
}

func connectionOnly(_ s: Scenario) -> [String] {
    ["--address", s.endpoint.host, "--port", String(s.endpoint.port), "--username", "admin"]
}

/// Milliseconds as ISO 8601 in UTC.
func iso(_ milliseconds: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

/// Whether the file holds `text` (the simulator tags every frame with what was asked for).
func fileContains(_ url: URL, _ text: String) throws -> Bool {
    try Data(contentsOf: url).range(of: Data(text.utf8)) != nil
}

/// Every file under the destination is inside it, and no name is hidden or empty.
func allInside(_ s: Scenario) -> Bool {
    let base = s.destination.resolvingSymlinksInPath().standardized.path + "/"
    return s.filesOnDisk().allSatisfy { path in
        let resolved = s.destination.appendingPathComponent(path).resolvingSymlinksInPath().standardized.path
        return resolved.hasPrefix(base)
            && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && !$0.hasPrefix(".")
            }
    }
}

@Suite("protect-dl cameras, events, snapshot, streams and templates against protect-sim")
struct FeatureEndToEndTests {
    static var fixturesAvailable: Bool { FileManager.default.fileExists(atPath: SharedFixtures.bootstrap) }

    static func fixtureConsole() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration(mode: .unifiOS)
        configuration.bootstrapFile = SharedFixtures.bootstrap
        configuration.eventsFile = SharedFixtures.events
        return configuration
    }

    @Test(
        "cameras: a table and JSON on both generations, package lens shown",
        arguments: SimulatorConfiguration.Mode.allCases)
    func camerasGenerated(mode: SimulatorConfiguration.Mode) async throws {
        try await Scenario.with(Scenario.small(mode)) { s in
            let cameras = await s.simulator.cameras()
            let table = try await Binary.run(["cameras"] + connectionOnly(s))
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("NAME") == true)
            for camera in cameras {
                #expect(lines.contains { $0.contains(camera.name) && $0.contains(camera.id) })
            }
            #expect(lines.last == "\(cameras.count) cameras; times in America/New_York")
            let json = try await Binary.run(["cameras", "--json"] + connectionOnly(s))
            let objects = jsonLines(json.stdout)
            #expect(objects.map { $0["id"] as? String } == cameras.map(\.id))
            #expect(objects.filter { $0["packageLens"] as? Bool == true }.count == 1)
            let channels = try #require(objects.first?["channels"] as? [[String: Any]])
            #expect(channels.compactMap { $0["id"] as? Int }.prefix(3) == [0, 1, 2])
            #expect(channels.first?["width"] as? Int == 160)
        }
    }

    @Test("cameras: the full real bootstrap (12 cameras, a doorbell with a package lens, one never recorded)")
    func camerasFromRealBootstrap() async throws {
        try #require(Self.fixturesAvailable, "shared/fixtures must sit beside the clone")
        try await Scenario.with(Self.fixtureConsole()) { s in
            let bootstrap = try #require(try SharedFixtures.json(SharedFixtures.bootstrap) as? [String: Any])
            let captured = try #require(bootstrap["cameras"] as? [[String: Any]])
            let json = try await Binary.run(["cameras", "--json"] + connectionOnly(s))
            #expect(json.status == 0, "\(json.stderr)")
            let objects = jsonLines(json.stdout)
            #expect(objects.count == 12)
            for (object, camera) in zip(objects, captured) {
                #expect(object["id"] as? String == camera["id"] as? String)
                #expect(object["name"] as? String == camera["name"] as? String)
                let start = ((camera["stats"] as? [String: Any])?["video"] as? [String: Any])?["recordingStart"]
                #expect((object["recordingStart"] is NSNull) == (start == nil || start is NSNull))
            }
            let packageLens = objects.filter { $0["packageLens"] as? Bool == true }.compactMap {
                $0["model"] as? String
            }
            #expect(packageLens == ["G4 Doorbell Pro"])
            let table = try await Binary.run(["cameras"] + connectionOnly(s))
            #expect(table.stdout.contains("Mxxoxar Gyd") && table.stdout.contains("3: 1600x1200@2"))
            #expect(table.stdout.contains("2021-12-18"))
        }
    }

    /// The range of the real events that the real cameras have recordings for.
    static let fixtureStart = "2022-01-23T00:00:00Z"
    static let fixtureEnd = "2022-01-25T00:00:00Z"

    /// The real events of the range, counted straight from the capture.
    static func capturedEvents(_ keep: ([String: Any]) -> Bool) throws -> [[String: Any]] {
        let all = try #require(try SharedFixtures.json(SharedFixtures.events) as? [[String: Any]])
        let start = Int64(1_642_896_000_000)
        let end = Int64(1_643_068_800_000)
        return all.filter { event in
            guard let from = (event["start"] as? NSNumber)?.int64Value else { return false }
            let to = (event["end"] as? NSNumber)?.int64Value ?? Int64.max
            return from < end && to >= start && keep(event)
        }
    }

    @Test("events --list over 1,351 real events: paging, each filter, names for --cameras, repeated and comma types")
    func listRealEvents() async throws {
        try #require(Self.fixturesAvailable, "shared/fixtures must sit beside the clone")
        try await Scenario.with(Self.fixtureConsole()) { s in
            func list(_ extra: [String]) async throws -> [[String: Any]] {
                let result = try await Binary.run(
                    ["events", "--list", "--json", "--start", Self.fixtureStart, "--end", Self.fixtureEnd]
                        + connection(s) + extra)
                #expect(result.status == 0, "\(result.stderr)")
                return jsonLines(result.stdout)
            }
            let videoTypes = Set(EventOptions.defaultTypes)
            let all = try await list([])
            let expected = try Self.capturedEvents { videoTypes.contains($0["type"] as? String ?? "") }
            #expect(all.count == expected.count && all.count > 300, "more than three pages of 100")
            #expect(Set(all.compactMap { $0["id"] as? String }) == Set(expected.compactMap { $0["id"] as? String }))
            let starts = all.compactMap { $0["start"] as? String }
            #expect(starts == starts.sorted())

            let rings = try await list(["--types", "ring"])
            #expect(rings.count == (try Self.capturedEvents { $0["type"] as? String == "ring" }).count)
            #expect(rings.count > 0 && rings.allSatisfy { $0["type"] as? String == "ring" })

            let people = try await list(["--smart-types", "person", "--min-score", "80"])
            let expectedPeople = try Self.capturedEvents {
                videoTypes.contains($0["type"] as? String ?? "")
                    && ($0["smartDetectTypes"] as? [String] ?? []).contains("person")
                    && ($0["score"] as? Int ?? 0) >= 80
            }
            #expect(people.count == expectedPeople.count && people.count > 10)

            let byName = try await list(["--cameras", "FTJJ BJBX", "--types", "motion,smartDetectZone"])
            let repeated = try await list([
                "--cameras", "e2ff0ade6be0f2a2beb61869", "--types", "motion", "--types", "smartDetectZone",
            ])
            let expectedCamera = try Self.capturedEvents {
                $0["camera"] as? String == "e2ff0ade6be0f2a2beb61869"
                    && ["motion", "smartDetectZone"].contains($0["type"] as? String ?? "")
            }
            #expect(byName.count == expectedCamera.count && byName.count > 100)
            #expect(repeated.count == byName.count)
            #expect(byName.allSatisfy { $0["camera"] as? String == "Ftjj Bjbx" })

            let unknown = try await Binary.run(
                ["events", "--list", "--start", Self.fixtureStart, "--end", Self.fixtureEnd, "--cameras", "Garden"]
                    + connection(s))
            #expect(unknown.status == 6)
            #expect(unknown.stderr.contains("Garden") && unknown.stderr.contains("Ftjj Bjbx"))
        }
    }

    @Test("events download on real events: padding and merging, --no-merge, channel, thumbnails awaited, heatmaps")
    func downloadRealEventClips() async throws {
        try #require(Self.fixturesAvailable, "shared/fixtures must sit beside the clone")
        var configuration = Self.fixtureConsole()
        // The doorbell has six person events between 20:48 and 20:57 UTC; the last ends at 1642971463.768. Its images
        // become available three seconds from now, so the first requests for them get 404.
        let now = Date().timeIntervalSince1970
        configuration.eventImageDelay = now - 1_642_971_463.768 + 3
        try await Scenario.with(configuration) { s in
            let range = ["--start", "2022-01-23T20:48:00Z", "--end", "2022-01-23T20:57:00Z"]
            let common =
                ["events", "--cameras", "mxxoxar gyd", "--smart-types", "person", "--channel", "2", "--settle", "0"]
                + range + connection(s)
            let merged = try await Binary.run(
                common + [
                    "--pad-before", "3", "--pad-after", "3", "--thumbnails", "--heatmaps", "--json", "--dest",
                    s.destination.path,
                ])
            #expect(merged.status == 0, "\(merged.stderr)")
            let finished = jsonLines(merged.stdout).filter { $0["event"] as? String == "finished" }
                .sorted { ($0["path"] as? String ?? "") < ($1["path"] as? String ?? "") }
            // Padded by 3 s, the first two touch, the next three overlap, the last stands alone.
            #expect(finished.map { ($0["events"] as? [String] ?? []).count } == [2, 3, 1])
            let first = try #require(finished.first?["path"] as? String)
            #expect(first == "Mxxoxar_Gyd_09be/2022-01-23/20-49-37_smartDetectZone-person_channel2.mp4")
            let probe = try await Probe.of(s.destination.appendingPathComponent(first).path)
            #expect(probe.codec == "h264" && probe.width == 480)
            #expect(abs((probe.duration ?? 0) - (1_642_971_042.412 + 3 - (1_642_970_980.367 - 3))) < 0.5)
            #expect(try fileContains(s.destination.appendingPathComponent(first), "channel=2"))
            let images = s.filesOnDisk().filter { !$0.hasSuffix(".mp4") }
            #expect(images.filter { $0.hasSuffix(".thumbnail.jpg") }.count == 6)
            #expect(images.filter { $0.hasSuffix(".heatmap.png") }.count == 6)
            #expect(
                images.contains("Mxxoxar_Gyd_09be/2022-01-23/20-56-41_smartDetectZone-person_channel2.thumbnail.jpg"))
            for image in images {
                let probe = try await Probe.of(s.destination.appendingPathComponent(image).path)
                #expect(["mjpeg", "png"].contains(probe.codec), "\(image)")
            }
            let summary = try #require(jsonLines(merged.stdout).last)
            #expect(summary["images"] as? Int == 12 && summary["downloaded"] as? Int == 3)

            let separate = try await Binary.run(
                common + ["--no-merge", "--pad-before", "3", "--json", "--dest", s.destination.path])
            #expect(separate.status == 0, "\(separate.stderr)")
            #expect(jsonLines(separate.stdout).filter { $0["event"] as? String == "finished" }.count == 6)
        }
    }

    @Test(
        "events: running events are skipped and said so, or awaited for a while; ended ones are clipped",
        arguments: SimulatorConfiguration.Mode.allCases)
    func runningEvents(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = Scenario.small(mode)
        configuration.cameras.historyHours = 4
        try await Scenario.with(configuration) { s in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let base = [
                "events", "--start", iso(now - 3 * 3_600_000), "--end", iso(now), "--settle", "0",
                "--json", "--dest", s.destination.path,
            ]
            let result = try await Binary.run(base + connection(s))
            #expect(result.status == 0, "\(result.stderr)")
            let lines = jsonLines(result.stdout)
            let skipped = lines.filter { $0["event"] as? String == "eventSkipped" }
            #expect(skipped.count == 1)
            let reason = skipped.first?["reason"] as? String
            #expect(reason?.contains("still running") == true)
            let finished = lines.filter { $0["event"] as? String == "finished" }
            #expect(!finished.isEmpty && finished.count == Set(s.filesOnDisk()).count)
            #expect(try validFiles(s).count == finished.count)
            let waited = try await Binary.run(base + ["--wait-running", "1", "--skip-existing-files"] + connection(s))
            #expect(waited.status == 0)
            #expect(jsonLines(waited.stdout).filter { $0["event"] as? String == "eventSkipped" }.count == 1)
            #expect(jsonLines(waited.stdout).filter { $0["event"] as? String == "skipped" }.count == finished.count)
        }
    }

    @Test("download: --channel, --package-lens and --timelapse are sent, named apart, and checked per camera")
    func streams() async throws {
        try await Scenario.with(Scenario.small(.unifiOS), hours: 1) { s in
            let cameras = await s.simulator.cameras()
            let doorbell = try #require(cameras.first { $0.hasPackageLens })
            let other = try #require(cameras.first { !$0.hasPackageLens })
            for (extra, suffix, tag) in [
                (["--channel", "1"], "_channel1", "channel=1 lens=0 type=rotatingx1"),
                (["--package-lens"], "_package", "channel=3 lens=2 type=rotatingx1"),
                (["--timelapse", "60x"], "_timelapse60x", "channel=0 lens=0 type=timelapsex60"),
            ] {
                let result = try await Binary.run(s.arguments(extra, cameras: doorbell.name.uppercased()))
                #expect(result.status == 0, "\(result.stderr)")
                let expected = s.expectedFiles(cameras: [doorbell], subfolders: false, suffix: suffix)
                let path = try #require(expected.keys.first)
                let file = s.destination.appendingPathComponent(path)
                #expect(try fileContains(file, tag), "\(extra)")
                if suffix == "_timelapse60x" {
                    #expect(abs((try await Probe.of(file.path).duration ?? 0) - 60) < 1, "an hour at 60x is a minute")
                }
            }
            let plain = try await Binary.run(s.arguments([], cameras: doorbell.id))
            #expect(plain.status == 0)
            #expect(try validFiles(s).count == 4, "four streams of one hour, none overwriting another")
            let allWithLens = try await Binary.run(s.arguments(["--package-lens", "--skip-existing-files"]))
            #expect(allWithLens.lastLine == "0 files downloaded, 1 files skipped, 1 files total", "only the doorbell")
            let refused = try await Binary.run(s.arguments(["--package-lens"], cameras: other.name))
            #expect(refused.status == 9)
            #expect(refused.stderr.contains("has no package camera"))
            let badSpeed = try await Binary.run(s.arguments(["--timelapse", "50x"]))
            #expect(badSpeed.status == 64)
        }
    }

    @Test(
        "snapshot: live with a width, at a past moment, the package lens, hostile names inside --dest, failures",
        arguments: SimulatorConfiguration.Mode.allCases)
    func snapshots(mode: SimulatorConfiguration.Mode) async throws {
        var configuration = Scenario.small(mode)
        configuration.cameras.hostileNames = true
        configuration.cameras.count = 5
        configuration.cameras.disconnectedCount = 1
        try await Scenario.with(configuration) { s in
            let cameras = await s.simulator.cameras()
            let live = try await Binary.run(
                ["snapshot", "--width", "320", "--json", "--dest", s.destination.path] + connectionOnly(s))
            #expect(live.status == 4, "the disconnected camera has no live picture")
            let lines = jsonLines(live.stdout)
            #expect(lines.filter { $0["event"] as? String == "snapshot" }.count == 4)
            #expect(lines.filter { $0["event"] as? String == "failed" }.count == 1)
            #expect(allInside(s) && s.filesOnDisk().count == 4)
            for file in s.filesOnDisk() {
                let probe = try await Probe.of(s.destination.appendingPathComponent(file).path)
                #expect(probe.codec == "mjpeg" && probe.width == 320, "\(file)")
            }
            let doorbell = try #require(cameras.first { $0.hasPackageLens })
            let past = try await Binary.run(
                [
                    "snapshot", "--at", s.startText, "--package-lens", "--cameras", doorbell.id, "--dest",
                    s.destination.path,
                ]
                    + connectionOnly(s))
            #expect(past.status == 0, "\(past.stderr)")
            #expect(s.filesOnDisk().contains { $0.hasSuffix("_package.jpg") })
            let stats = await s.simulator.state.currentStats()
            #expect(stats.exports == 0)
        }
    }

    @Test("--output-template with hostile camera names stays inside --dest; --utc; escaping templates are refused")
    func templates() async throws {
        var configuration = Scenario.small(.unifiOS)
        configuration.cameras.hostileNames = true
        configuration.cameras.count = 12
        try await Scenario.with(configuration, hours: 1) { s in
            let cameras = await s.simulator.cameras()
            let result = try await Binary.run(
                s.arguments(["--output-template", "{camera}/{start_date}/{camera_id4}_{start_iso}", "--utc"]))
            #expect(result.status == 0, "\(result.stderr)")
            let files = try validFiles(s)
            #expect(files.count == cameras.count)
            #expect(allInside(s))
            #expect(files.allSatisfy { $0.hasSuffix("+00:00.mp4") })
            #expect(Set(files.map { $0.split(separator: "/")[0] }).count == cameras.count)
            for template in ["../{camera}", "/tmp/{camera}", "a/../{camera}", "{camera}/{nope}"] {
                let refused = try await Binary.run(s.arguments(["--output-template", template]))
                #expect(refused.status == 64, "\(template)")
                #expect(errorLines(refused.stderr).count == 1)
            }
            #expect(s.filesOnDisk().count == cameras.count)
            let events = try await Binary.run(
                [
                    "events", "--start", s.startText, "--end", s.endText, "--dest", s.destination.path,
                    "--output-template",
                    "{camera}/{event_label}_{event_id}",
                ] + connection(s))
            #expect(events.status == 0, "\(events.stderr)")
            #expect(allInside(s))
        }
    }
}
