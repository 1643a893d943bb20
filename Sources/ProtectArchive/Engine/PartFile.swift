import Crypto
import Foundation
import NIOCore
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

/// What a finished `.part` file holds.
struct WrittenFile: Sendable {
    var bytes: Int64
    /// Lower-case hex SHA-256 of the bytes, computed while writing.
    var sha256: String
}

/// Streams a body into a freshly truncated `.part` file, chunk by chunk, hashing as it goes.
enum PartFile {
    static func write(_ body: ExportBody, to path: String, onBytes: (@Sendable (Int) -> Void)?) async throws
        -> WrittenFile
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LocalFileError(errno: errno, path: path, doing: "create") }
        var closed = false
        defer { if !closed { close(descriptor) } }
        var written: Int64 = 0
        var hasher = SHA256()
        for try await chunk in body {
            try Task.checkCancellation()
            try chunk.withUnsafeReadableBytes { bytes in
                hasher.update(bufferPointer: bytes)
                var offset = 0
                while offset < bytes.count {
                    let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw LocalFileError(errno: errno, path: path, doing: "write")
                    }
                    offset += count
                }
            }
            written += Int64(chunk.readableBytes)
            onBytes?(chunk.readableBytes)
        }
        closed = true
        // A full disk can show only when the data is flushed.
        if close(descriptor) != 0 { throw LocalFileError(errno: errno, path: path, doing: "write") }
        if let expected = body.contentLength, expected != written {
            throw ProtectError.network(reason: "the body ended after \(written) of \(expected) bytes")
        }
        return WrittenFile(bytes: written, sha256: FileHash.hex(hasher.finalize()))
    }
}
