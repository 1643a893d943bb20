import Foundation
import Testing

@testable import ProtectArchive

@Suite("Original file names and times")
struct NamingAndTimeTests {
    @Test("The example from the original downloader's users, byte for byte")
    func originalExample() throws {
        let start = try UserTime.parse("2020-04-05 00:00:00-0700", defaultZone: .fixed(seconds: 0))
        let zone = DisplayZone.fixed(seconds: -7 * 3600)
        let segment = Segment(start: start.milliseconds, end: start.milliseconds + 3_600_000)
        let path = FileNaming.relativePath(
            cameraName: "Back Yard", cameraID: "5e8a1b2c3d4e5f60718203ef", segment: segment, zone: zone,
            useSubfolders: true)
        #expect(
            path
                == "2020/04/05/Back_Yard_03ef/Back_Yard_03ef_2020-04-05--00-00-00-0700_2020-04-05--00-59-59-0700.mp4")
    }

    @Test(
        "Camera parts keep Python's letters and digits and spaces, drop trailing spaces, replace spaces",
        arguments: [
            ("Front/Door", "FrontDoor_abcd"),
            ("../../escape", "escape_abcd"),
            ("\"Quoted\" 'Cam'", "Quoted_Cam_abcd"),
            ("🐶 Dog Cam 📷", "_Dog_Cam_abcd"),
            ("   Leading Spaces", "___Leading_Spaces_abcd"),
            ("Trailing Spaces   ", "Trailing_Spaces_abcd"),
            ("Straße Über Ünïcode", "Straße_Über_Ünïcode_abcd"),
            ("名前 カメラ", "名前_カメラ_abcd"),
            ("Cam ²³ ٣", "Cam_²³_٣_abcd"),
            ("Tab\tName", "TabName_abcd"),
            ("", "_abcd"),
        ])
    func cameraParts(name: String, expected: String) {
        #expect(FileNaming.cameraPart(name: name, id: "0123456789abcdefabcdabcd") == expected)
    }

    @Test("Times: the original format, ISO 8601 with offset or Z, and no offset meaning the console's zone")
    func parsing() throws {
        let utc = DisplayZone.fixed(seconds: 0)
        let a = try UserTime.parse("2019-10-12 00:00:00+0200", defaultZone: utc)
        #expect(a.milliseconds == 1_570_831_200_000)
        #expect(a.writtenOffset == 7200)
        #expect(try UserTime.parse("2019-10-12T00:00:00+02:00", defaultZone: utc) == a)
        #expect(try UserTime.parse("2019-10-11T22:00:00Z", defaultZone: utc).milliseconds == a.milliseconds)
        let local = try UserTime.parse("2019-10-12 00:00:00", defaultZone: .named("America/New_York"))
        #expect(local.writtenOffset == nil)
        #expect(local.milliseconds == 1_570_852_800_000)  // 04:00 UTC: New York is UTC-4 in October
        for bad in ["last week", "2019-13-01 00:00:00+0000", "2019-02-30 00:00:00+0000", "2019-10-12 25:00:00", ""] {
            #expect(throws: TimeError.self) { try UserTime.parse(bad, defaultZone: utc) }
        }
    }

    @Test("File times use %z of the zone in force, across a daylight-saving change")
    func daylightSaving() throws {
        let zone = DisplayZone.named("America/New_York")
        // 2021-03-14 07:00 UTC is 03:00 EDT, just after the change from EST.
        let before = Int64(1_615_701_600_000)  // 06:00 UTC = 01:00 EST
        #expect(TimeFormatting.fileTime(before, in: zone) == "2021-03-14--01-00-00-0500")
        #expect(TimeFormatting.fileTime(before + 3_600_000, in: zone) == "2021-03-14--03-00-00-0400")
        let segments = SegmentPlanner.segments(from: before, to: before + 3 * 3_600_000, in: zone)
        #expect(segments.count == 3)
    }
}
