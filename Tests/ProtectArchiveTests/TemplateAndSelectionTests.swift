import Foundation
import ProtectAPI
import Testing

@testable import ProtectArchive

@Suite("Output templates, camera selection, streams and event clips")
struct TemplateAndSelectionTests {
    static let hostileNames = [
        "Front/Door", "../../escape", "..", ".", "\"Quoted\" 'Cam'", "🐶 Dog Cam 📷", "   Leading Spaces",
        String(repeating: "Very Long Camera Name ", count: 20), "Back\\Slash", "Tab\tNew\nLine\u{0}Nul",
        ".protect-dl", "/etc/passwd", "名前 カメラ", "",
    ]
    static let zones: [DisplayZone] = [
        .fixed(seconds: 0), .fixed(seconds: 19_800), .named("America/New_York"), .named("Europe/Berlin"),
    ]

    @Test("The default templates give the original downloader's names, byte for byte", arguments: zones)
    func defaultsAreOriginalNames(zone: DisplayZone) throws {
        let plain = try OutputTemplate(OutputTemplate.download)
        let folders = try OutputTemplate(OutputTemplate.downloadSubfolders)
        let start: Int64 = 1_711_846_800_000
        for (index, name) in Self.hostileNames.enumerated() {
            let id = String(format: "5e8a1b2c3d4e5f60718%05d", index)
            for segment in SegmentPlanner.segments(from: start, to: start + 5 * 3_600_000, in: zone) {
                let values = NameValues(
                    cameraName: name, cameraID: id, variant: ExportVariant(), start: segment.start,
                    end: segment.displayEnd, zone: zone)
                for (template, subfolders) in [(plain, false), (folders, true)] {
                    let expected = FileNaming.relativePath(
                        cameraName: name, cameraID: id, segment: segment, zone: zone, useSubfolders: subfolders)
                    let rendered = try template.render(values, fileExtension: "mp4")
                    if expected.split(separator: "/").allSatisfy({ $0.utf8.count <= 255 }) {
                        #expect(rendered == expected)
                    } else {
                        // The original could not write this name; ours shortens the camera's name, keeps the id.
                        let file = try #require(rendered.split(separator: "/").last)
                        let original = try #require(expected.split(separator: "/").last)
                        #expect(file.utf8.count <= 255 && file.hasPrefix(original.prefix(100)))
                        #expect(file.contains("_" + id.suffix(4) + "_"))
                    }
                }
            }
        }
    }

    @Test("No field value can leave the destination, hide a file or break a name")
    func hostileValuesStayInside() throws {
        let template = try OutputTemplate("{camera}/{camera_safe}-{event_type}/{smart_types}_{event_id}_{start_iso}")
        var seen = Set<String>()
        for (index, name) in Self.hostileNames.enumerated() {
            var values = NameValues(
                cameraName: name, cameraID: "abc\(index)", variant: ExportVariant(channel: 1), start: 0, end: 1000,
                zone: .fixed(seconds: 3600))
            values.eventTypes = ["../motion"]
            values.smartTypes = ["/person", ".."]
            values.eventIDs = ["../../x"]
            let path = try template.render(values, fileExtension: "mp4")
            #expect(!path.hasPrefix("/"))
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            #expect(components.count == 3, "\(path)")
            for component in components {
                #expect(!component.isEmpty && !component.hasPrefix("."), "\(path)")
                #expect(component.utf8.count <= 255)
                #expect(!component.unicodeScalars.contains { $0.properties.generalCategory == .control })
            }
            let resolved = URL(fileURLWithPath: "/dest").appendingPathComponent(path).standardized.path
            #expect(resolved.hasPrefix("/dest/"))
            seen.insert(String(components[0]))
        }
        #expect(seen.count == Self.hostileNames.count)
    }

    @Test(
        "Templates that could leave the destination, or are malformed, are refused",
        arguments: [
            ("/tmp/{camera}", TemplateError.absolute("/tmp/{camera}")),
            ("~/{camera}", .absolute("~/{camera}")),
            ("../{camera}", .climbs("../{camera}")),
            ("a/../../{camera}", .climbs("a/../../{camera}")),
            ("a//{camera}", .climbs("a//{camera}")),
            ("{camera}/", .climbs("{camera}/")),
            ("{camera", .unclosedBrace("{camera")),
            ("{nope}", .unknownField("nope")),
            ("fixed-name", .noField("fixed-name")),
        ])
    func refused(text: String, error: TemplateError) {
        #expect(throws: error) { try OutputTemplate(text) }
    }

    @Test("Every field renders, in the chosen zone or UTC, and the extension is not doubled")
    func fields() throws {
        let start = try UserTime.parse("2024-03-31 01:30:05+0100", defaultZone: .fixed(seconds: 0)).milliseconds
        var values = NameValues(
            cameraName: "Front Door", cameraID: "5e8a1b2c3d4e5f60718203ef",
            variant: ExportVariant(channel: 2, timelapseSpeed: 300), start: start, end: start + 3_600_000,
            zone: .named("Europe/Berlin"))
        values.eventIDs = ["e1", "e2"]
        values.eventTypes = ["motion", "smartDetectZone"]
        values.smartTypes = ["person"]
        values.score = 87
        let text =
            "{camera}|{camera_safe}|{camera_part}|{camera_id4}|{channel}|{variant}|{event_id}|{event_label}|{score}|"
            + "{start}|{end_iso}|{start_date}|{start_time}|{end_hour}{end_offset}"
        let rendered = try OutputTemplate(text + ".mp4").render(values, fileExtension: "mp4")
        #expect(
            rendered
                == "Front Door|Front_Door|Front_Door_03ef|03ef|2|_channel2_timelapse300x|e1+e2|motion+smartDetectZone-person|87|"
                + "2024-03-31--01-30-05+0100|2024-03-31T03:30:05+02:00|2024-03-31|01-30-05|03+0200.mp4")
        values.zone = .fixed(seconds: 0)
        #expect(try OutputTemplate("{start}").render(values, fileExtension: "jpg") == "2024-03-31--00-30-05+0000.jpg")
    }

    static let cameras = [
        Camera(id: "aaaaaaaaaaaaaaaaaaaa0001", name: "Front Door"),
        Camera(id: "aaaaaaaaaaaaaaaaaaaa0002", name: "front door"),
        Camera(id: "aaaaaaaaaaaaaaaaaaaa0003", name: "Garage"),
        Camera(id: "aaaaaaaaaaaaaaaaaaaa0004", name: "  Porch"),
    ]

    @Test("Cameras by id, by name without regard to case, all; unknown and ambiguous names list candidates")
    func selection() throws {
        let cameras = Self.cameras
        #expect(try CameraSelection.resolve(nil, among: cameras) == cameras)
        #expect(CameraSelection.tokens(" all ") == nil)
        #expect(CameraSelection.tokens("garage, aaaaaaaaaaaaaaaaaaaa0001") == ["garage", "aaaaaaaaaaaaaaaaaaaa0001"])
        #expect(
            try CameraSelection.resolve(["GARAGE", "aaaaaaaaaaaaaaaaaaaa0002", "garage"], among: cameras).map(\.id)
                == ["aaaaaaaaaaaaaaaaaaaa0003", "aaaaaaaaaaaaaaaaaaaa0002"])
        #expect(try CameraSelection.resolve(["Front Door"], among: cameras).map(\.id) == ["aaaaaaaaaaaaaaaaaaaa0001"])
        #expect(try CameraSelection.resolve(["porch"], among: cameras).map(\.id) == ["aaaaaaaaaaaaaaaaaaaa0004"])
        do {
            _ = try CameraSelection.resolve(["FRONT DOOR"], among: cameras)
            Issue.record("an ambiguous name was accepted")
        } catch let error as ArchiveError {
            let text = error.errorDescription ?? ""
            #expect(text.contains("aaaaaaaaaaaaaaaaaaaa0001") && text.contains("aaaaaaaaaaaaaaaaaaaa0002"))
            #expect(!text.contains("0003"))
        }
        do {
            _ = try CameraSelection.resolve(["Shed"], among: cameras)
            Issue.record("an unknown name was accepted")
        } catch let error as ArchiveError {
            let text = error.errorDescription ?? ""
            #expect(text.contains("Shed") && text.contains("Garage") && text.contains("aaaaaaaaaaaaaaaaaaaa0004"))
        }
    }

    @Test("Streams: suffixes only off the default, timelapse speeds, channels checked against the camera")
    func variants() throws {
        #expect(ExportVariant().nameSuffix == "")
        #expect(ExportVariant(channel: 1).nameSuffix == "_channel1")
        #expect(ExportVariant(packageLens: true, timelapseSpeed: 600).nameSuffix == "_package_timelapse600x")
        #expect(["60", "60x", "120X", "300×", "40fps"].map(ExportVariant.parseTimelapse) == [60, 60, 120, 300, 600])
        #expect(["59", "x", "5fps", ""].compactMap(ExportVariant.parseTimelapse).isEmpty)
        var request = ExportRequest(cameraID: "c", start: 0, end: 1)
        ExportVariant(packageLens: true, timelapseSpeed: 120).apply(to: &request)
        #expect(request.lens == 2 && request.timelapseFPS == 8 && request.channel == 0)
        let plain = Camera(id: "c1", name: "Bullet", channels: [Channel(id: 0), Channel(id: 1)])
        let doorbell = Camera(id: "c2", name: "Doorbell", channels: [Channel(id: 0), Channel(id: 3)], lensIDs: [2])
        #expect(throws: Never.self) { try ExportVariant(channel: 1).check(plain) }
        #expect(throws: ArchiveError.self) { try ExportVariant(channel: 2).check(plain) }
        #expect(throws: ArchiveError.self) { try ExportVariant(packageLens: true).check(plain) }
        #expect(throws: Never.self) { try ExportVariant(packageLens: true).check(doorbell) }
    }

    static func event(_ id: String, camera: String, _ start: Int64, _ end: Int64, type: String = "motion") -> Event {
        Event(id: id, type: type, start: start, end: end, camera: camera, score: 50)
    }

    static func job(pad: Double, merge: Bool) -> EventJob {
        var options = EventOptions(startText: "", endText: "", destination: URL(fileURLWithPath: "/tmp"))
        options.padBefore = pad
        options.padAfter = pad
        options.merge = merge
        options.settleSeconds = 0
        return EventJob(options: options, logger: .init(label: "test"))
    }

    @Test("Padding, merging of overlapping or touching clips per camera, --no-merge, long events split at the hour")
    func clips() throws {
        let cameras = Dictionary(uniqueKeysWithValues: Self.cameras.map { ($0.id, $0) })
        let a = "aaaaaaaaaaaaaaaaaaaa0001"
        let b = "aaaaaaaaaaaaaaaaaaaa0003"
        let hour: Int64 = 3_600_000
        let base = 1_700_000_000_000 / hour * hour
        let events = [
            Self.event("e1", camera: a, base + 60_000, base + 70_000),
            Self.event("e2", camera: b, base + 75_000, base + 80_000),
            Self.event("e3", camera: a, base + 80_000, base + 90_000, type: "smartDetectZone"),  // touches e1 padded
            Self.event("e4", camera: a, base + 200_000, base + 210_000),
            Self.event("e5", camera: b, base + hour / 2, base + 3 * hour),
        ]
        let template = try OutputTemplate(OutputTemplate.events)
        let merged = try Self.job(pad: 5, merge: true).planClips(
            events, cameras: cameras, zone: .fixed(seconds: 0), template: template)
        let spans = merged.map { ($0.info.cameraID, $0.request.start - base, $0.request.end + 1 - base) }
        #expect(spans.count == 7)
        #expect(spans[0] == (a, 55_000, 95_000))
        #expect(merged[0].info.eventIDs == ["e1", "e3"])
        #expect(merged[0].info.path.hasSuffix("_motion+smartDetectZone.mp4"))
        #expect(spans[1] == (b, 70_000, 85_000))
        #expect(spans[2] == (a, 195_000, 215_000))
        #expect(spans[3] == (b, hour / 2 - 5_000, hour))
        #expect(spans[4] == (b, hour, 2 * hour))
        #expect(spans[5] == (b, 2 * hour, 3 * hour))
        #expect(spans[6] == (b, 3 * hour, 3 * hour + 5_000))
        #expect(Set(merged.map(\.info.path)).count == merged.count)
        #expect(merged.allSatisfy { $0.notBefore == $0.request.end + 1 })
        let separate = try Self.job(pad: 5, merge: false).planClips(
            events, cameras: cameras, zone: .fixed(seconds: 0), template: template)
        #expect(separate.count == 8)
        #expect(separate.filter { $0.info.cameraID == a }.map(\.info.eventIDs) == [["e1"], ["e3"], ["e4"]])
        let unpadded = try Self.job(pad: 0, merge: true).planClips(
            Array(events.prefix(4)), cameras: cameras, zone: .fixed(seconds: 0), template: template)
        #expect(unpadded.count == 4, "without padding e1 and e3 neither overlap nor touch")
        // Two events of one camera that start in the same millisecond, unmerged: two clips, two names, and two
        // first milliseconds (the state's key for a clip).
        let twins = try Self.job(pad: 0, merge: false).planClips(
            [Self.event("t1", camera: a, base, base + 400), Self.event("t2", camera: a, base, base + 400)],
            cameras: cameras, zone: .fixed(seconds: 0), template: template)
        #expect(twins.map(\.info.eventIDs) == [["t1"], ["t2"]])
        #expect(Set(twins.map(\.info.path)).count == 2)
        #expect(twins.map { $0.info.start - base } == [0, 1])
        #expect(twins.map { $0.request.start - base } == [0, 1])
    }
}
