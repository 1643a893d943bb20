import Crypto
import Foundation

/// SHA-256 of a file, read in 1 MiB pieces.
public enum FileHash {
    public static func sha256(of url: URL) throws -> (hex: String, size: Int64) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            size += Int64(data.count)
        }
        return (hex(hasher.finalize()), size)
    }

    /// A digest as lower-case hex, the form `sha256sum` prints.
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
