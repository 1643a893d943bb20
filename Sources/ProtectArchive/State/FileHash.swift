import Crypto
import Foundation

/// Hashes of a file, read in 1 MiB pieces.
public enum FileHash {
    public static func sha256(of url: URL) throws -> (hex: String, size: Int64) {
        var hasher = SHA256()
        let size = try read(url) { hasher.update(data: $0) }
        return (hex(hasher.finalize()), size)
    }

    /// Reads `url` in 1 MiB pieces, handing each to `piece`; the file's size.
    static func read(_ url: URL, _ piece: (Data) -> Void) throws -> Int64 {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var size: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            piece(data)
            size += Int64(data.count)
        }
        return size
    }

    /// A digest as lower-case hex, the form `sha256sum` prints.
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
