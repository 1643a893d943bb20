import Foundation
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// Small files (snapshots, thumbnails, heatmaps): checked to be the image they claim, then written atomically.
public enum ImageFile {
    /// Writes `data` to `target` through a `.part` file after checking it is a JPEG or PNG.
    public static func save(_ data: Data, to target: URL) throws {
        try check(data)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let part = target.appendingPathExtension("part")
        do {
            try data.write(to: part)
        } catch {
            unlink(part.path)
            throw LocalFileError(error, path: part.path, doing: "write")
        }
        guard rename(part.path, target.path) == 0 else {
            let error = LocalFileError(errno: errno, path: target.path, doing: "rename the finished file")
            unlink(part.path)
            throw error
        }
    }

    /// Throws unless `data` is a JPEG or PNG.
    public static func check(_ data: Data) throws {
        let jpeg = data.count > 4 && data.prefix(2) == Data([0xFF, 0xD8]) && data.suffix(2) == Data([0xFF, 0xD9])
        let png = data.count > 8 && data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard jpeg || png else {
            throw ProtectError.unexpectedContent(
                contentType: "something that is not a JPEG or PNG", request: "an image")
        }
    }
}
