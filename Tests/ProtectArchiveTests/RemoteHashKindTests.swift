import Crypto
import Foundation
import Testing

@testable import ProtectArchive

@Suite("The remote's check hash: which kind, computed as the bytes pass, and the recorded form")
struct RemoteHashKindTests {
    func features(bucket: Bool, _ hashes: [String]) -> RemoteFeatures {
        RemoteFeatures(canMove: !bucket, canCopy: bucket, bucketBased: bucket, hashes: hashes)
    }

    @Test("SFTP is checked with SHA-1 where the server has it, else MD5; a bucket with its MD5; none without")
    func choice() {
        #expect(RemoteHashKind.check(for: features(bucket: false, ["md5", "sha1"])) == .sha1)
        #expect(RemoteHashKind.check(for: features(bucket: false, ["sha1"])) == .sha1)
        #expect(RemoteHashKind.check(for: features(bucket: false, ["md5"])) == .md5)
        #expect(RemoteHashKind.check(for: features(bucket: false, ["crc32"])) == nil)
        #expect(RemoteHashKind.check(for: features(bucket: true, ["md5"])) == .md5)
        #expect(RemoteHashKind.check(for: features(bucket: true, ["sha1"])) == nil)
    }

    @Test("The hashes taken as bytes pass, in two pieces, are the standard digests")
    func running() throws {
        let bytes = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let expected: [RemoteHashKind: String] = [
            .md5: "8215ef0796a20bcaaae116d3876c664a",
            .sha1: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
        ]
        for kind in RemoteHashKind.allCases {
            var hash = RunningRemoteHash(kind)
            bytes[..<20].withUnsafeBytes { hash.update($0) }
            bytes[20...].withUnsafeBytes { hash.update($0) }
            #expect(hash.finalize() == expected[kind], "\(kind)")
            var passing = PassingBytes(expectedLength: Int64(bytes.count), checkMP4: false, hash: kind)
            bytes.withUnsafeBytes { passing.feed($0) }
            let whole = try passing.finish()
            #expect(whole.hash?.kind == kind && whole.hash?.hex == expected[kind])
            #expect(whole.sha256 == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        }
        var none = PassingBytes(expectedLength: nil, checkMP4: false, hash: nil)
        bytes.withUnsafeBytes { none.feed($0) }
        #expect(try none.finish().hash == nil)
    }

    @Test("A file spooled before the remote's hash was known has it read back: the same digest as taken in passing")
    func readBack() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-spool-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let spool = UploadSpool(folder: folder.appendingPathComponent("spool"))
        try spool.clear()
        // Over two of the read-back's 1 MiB pieces, and not a multiple of them.
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<2_500_003).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let source = folder.appendingPathComponent("source")
        try bytes.write(to: source)
        let unhashed = try await spool.write(
            FileChunks(url: source), expectedLength: Int64(bytes.count), checkMP4: false, hash: nil, onBytes: nil)
        #expect(unhashed.whole.hash == nil)
        let standard: [RemoteHashKind: String] = [
            .md5: Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined(),
            .sha1: Insecure.SHA1.hash(data: bytes).map { String(format: "%02x", $0) }.joined(),
        ]
        for kind in RemoteHashKind.allCases {
            let passing = try await spool.write(
                FileChunks(url: source), expectedLength: Int64(bytes.count), checkMP4: false, hash: kind, onBytes: nil)
            #expect(passing.whole.hash?.hex == standard[kind], "\(kind)")
            #expect(try spool.hash(of: unhashed.name, kind: kind) == standard[kind], "\(kind)")
            spool.remove(passing.name)
        }
        spool.remove(unhashed.name)
        #expect(throws: LocalFileError.self) { try spool.hash(of: unhashed.name, kind: .sha1) }
    }

    @Test("A recorded hash is kind:hex; a row from before it was recorded falls back to its MD5")
    func recorded() {
        #expect(RemoteHashKind.parse("sha1:abc")?.kind == .sha1)
        #expect(RemoteHashKind.parse("sha1:abc")?.hex == "abc")
        #expect(RemoteHashKind.parse("md5:") == nil)
        #expect(RemoteHashKind.parse("crc32:1234") == nil)
        #expect(RemoteHashKind.parse(nil) == nil)
        #expect(RemoteHashKind.sha1.recorded("ff") == "sha1:ff")
        var row = RemoteFileRecord(
            path: "a.mp4", remote: "r:", temporary: nil, status: .uploaded, size: 1, sha256: nil, md5: "00ff",
            remoteHash: "sha1:1234", updatedAt: 0)
        #expect(row.recordedHash?.kind == .sha1 && row.recordedHash?.hex == "1234")
        row.remoteHash = nil
        #expect(row.recordedHash?.kind == .md5 && row.recordedHash?.hex == "00ff")
        row.md5 = ""
        #expect(row.recordedHash == nil)
    }
}
