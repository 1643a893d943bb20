import Foundation
import NIOCore
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// A local folder (in the remote's state folder) where each upload is first written whole, hashed and checked, so
/// that rclone sends a file of known size as it would from local disk (one PUT on S3 below its upload cutoff, no
/// streaming buffers) and nothing unchecked ever leaves the machine. Each file is deleted once sent.
struct UploadSpool: Sendable {
    /// The spool cannot be written (a full disk, a folder gone): uploads stream instead.
    struct Unusable: Error {
        var error: LocalFileError
    }

    let folder: URL

    /// Removes every file in the folder (left by a run that was killed) and makes sure the folder exists.
    func clear() throws {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] {
            unlink(folder.appendingPathComponent(name).path)
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StateError.database(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// Writes `chunks` to a new file of the folder while hashing and checking them; its name and what it holds once
    /// the bytes ended at the length announced (and, for a video, as a whole MP4). Any failure removes the file.
    func write<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, expectedLength: Int64?, checkMP4: Bool, hash: RemoteHashKind?,
        onBytes: (@Sendable (Int) -> Void)?
    ) async throws -> (name: String, whole: UploadTally.Whole) where Chunks.Element == ByteBuffer {
        let name = UUID().uuidString.lowercased()
        let path = folder.appendingPathComponent(name).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.error(errno: errno, path: path, doing: "create") }
        var open = true
        defer { if open { close(descriptor) } }
        do {
            var passing = PassingBytes(expectedLength: expectedLength, checkMP4: checkMP4, hash: hash)
            for try await chunk in chunks {
                try Task.checkCancellation()
                try chunk.withUnsafeReadableBytes { bytes in
                    passing.feed(bytes)
                    var offset = 0
                    while offset < bytes.count {
                        let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                        if count < 0 {
                            if errno == EINTR { continue }
                            throw Self.error(errno: errno, path: path, doing: "write")
                        }
                        offset += count
                    }
                }
                onBytes?(chunk.readableBytes)
            }
            try Task.checkCancellation()
            open = false
            // A full disk can show only when the data is flushed.
            if close(descriptor) != 0 { throw Self.error(errno: errno, path: path, doing: "write") }
            return (name, try passing.finish())
        } catch {
            unlink(path)
            throw error
        }
    }

    /// The `kind` hash (lower-case hex) of a file written here, read back: for the files spooled before the
    /// remote's checks told which hash it compares.
    func hash(of name: String, kind: RemoteHashKind) throws -> String {
        let url = folder.appendingPathComponent(name)
        var running = RunningRemoteHash(kind)
        do {
            _ = try FileHash.read(url) { data in data.withUnsafeBytes { running.update($0) } }
        } catch {
            throw LocalFileError(error, path: url.path, doing: "read")
        }
        return running.finalize()
    }

    /// Deletes a file once sent (or given up).
    func remove(_ name: String) {
        unlink(folder.appendingPathComponent(name).path)
    }

    private static func error(errno: Int32, path: String, doing: String) -> Unusable {
        Unusable(error: LocalFileError(errno: errno, path: path, doing: doing))
    }
}
