import Foundation
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("MP4 checks")
struct MP4CheckTests {
    func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mp4check-\(UUID()).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func movieBytes() -> [UInt8] {
        ExportMovie(
            identity: "test", width: 160, height: 90, framesPerSecond: 5, bitsPerSecond: 32_000,
            durationMilliseconds: 60_000, creationTime: 0
        ).bytes()
    }

    @Test("A whole export passes; cut, HTML, JSON and empty bodies fail with their reason")
    func checks() throws {
        let whole = movieBytes()
        let paths = try [
            whole, Array(whole.prefix(whole.count - 10)), Array(whole.prefix(whole.count / 2)),
            Array("<!DOCTYPE html><html></html>".utf8), Array(#"{"error":"No files found matching criteria."}"#.utf8),
            [],
        ].map(write)
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        try MP4Check.validate(path: paths[0])
        #expect(throws: MP4Check.Problem.truncated("moov")) { try MP4Check.validate(path: paths[1]) }
        #expect(throws: MP4Check.Problem.truncated("mdat")) { try MP4Check.validate(path: paths[2]) }
        #expect(throws: MP4Check.Problem.notMP4("<!DOCTYP")) { try MP4Check.validate(path: paths[3]) }
        #expect(throws: MP4Check.Problem.notMP4("{\"error\"")) { try MP4Check.validate(path: paths[4]) }
        #expect(throws: MP4Check.Problem.empty) { try MP4Check.validate(path: paths[5]) }
        // A body that ends cleanly before moov.
        let mdatEnd = whole.count - (topLevelBoxes(whole).first { $0.0 == "moov" }?.1 ?? 0)
        let noMoov = try write(Array(whole.prefix(mdatEnd)))
        defer { try? FileManager.default.removeItem(atPath: noMoov) }
        #expect(throws: MP4Check.Problem.missingIndex) { try MP4Check.validate(path: noMoov) }
    }
}
