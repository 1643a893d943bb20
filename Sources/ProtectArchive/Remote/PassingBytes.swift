import Crypto
import Foundation
import ProtectAPI

/// The hashes and checks of an upload's bytes as they pass: SHA-256, the hash the remote's own is compared with (MD5
/// or SHA-1, when asked), the length the console announced, and (for a video) a whole MP4.
struct PassingBytes {
    let expectedLength: Int64?
    let checkMP4: Bool
    private var sha = SHA256()
    private var remoteHash: RunningRemoteHash?
    private var mp4 = MP4StreamCheck()
    private(set) var written: Int64 = 0

    init(expectedLength: Int64?, checkMP4: Bool, hash: RemoteHashKind?) {
        self.expectedLength = expectedLength
        self.checkMP4 = checkMP4
        self.remoteHash = hash.map(RunningRemoteHash.init)
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        sha.update(bufferPointer: bytes)
        remoteHash?.update(bytes)
        if checkMP4 { mp4.feed(bytes) }
        written += Int64(bytes.count)
    }

    /// Once the bytes ended: what they were, if they ended at the length announced (and as a whole MP4).
    func finish() throws -> UploadTally.Whole {
        if let expected = expectedLength, expected != written {
            throw ProtectError.network(reason: "the body ended after \(written) of \(expected) bytes")
        }
        let duration = checkMP4 ? try mp4.finish() : nil
        return UploadTally.Whole(
            bytes: written, sha256: FileHash.hex(sha.finalize()),
            hash: remoteHash.map { ($0.kind, $0.finalize()) }, duration: duration)
    }
}
