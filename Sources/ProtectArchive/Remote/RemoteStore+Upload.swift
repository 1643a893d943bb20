import Crypto
import Foundation
import NIOCore
import ProtectAPI

/// A file that reached its final name on a remote, checked.
public struct UploadedFile: Sendable, Equatable {
    public var bytes: Int64
    /// Lower-case hex SHA-256 and MD5, computed while streaming.
    public var sha256: String
    public var md5: String
    /// The remote's own hash of what it stored (`md5:<hex>`), when it has one.
    public var remoteHash: String?
    /// The MP4's duration in seconds, for checked videos.
    public var duration: Double?
}

extension RemoteStore {
    /// Streams `chunks` to `relative` through `rclone rcat`, hashing as it goes, and makes sure nothing partial is
    /// ever visible at the final name.
    ///
    /// Every file goes to `.<name>.partial-<random>` first and is moved to its name once checked (a rename on file
    /// remotes, a server-side copy and delete on buckets). On buckets an object appears only when complete, but a
    /// protect-dl killed mid-stream closes rclone's input at the moment rclone gets its parent-death signal, and
    /// rclone may take the end of input for the end of the file and commit it before the signal: under a
    /// temporary name that is a leftover the next run deletes, never a short file at a final name. (Remotes that
    /// can neither move nor copy are written at the final name.) A stream that fails (the console's body
    /// breaks, it is shorter than announced, it is not a whole MP4, the task is cancelled) is aborted by exactly one
    /// SIGTERM while rclone's stdin is still open: end of input would tell rclone the stream is whole. After rclone
    /// exits 0 the object is listed and its size (and the remote's hash, where it has one) compared.
    public func upload<Chunks: AsyncSequence>(
        _ chunks: Chunks, expectedLength: Int64?, to relative: String, checkMP4: Bool,
        onBytes: (@Sendable (Int) -> Void)? = nil
    ) async throws -> UploadedFile where Chunks.Element == ByteBuffer {
        await slots.acquire()
        defer { Task { await slots.release() } }
        let temporary = features.canMove || features.canCopy ? Self.temporaryName(for: relative) : nil
        let target = temporary ?? relative
        try state.beginUpload(path: relative, remote: root, temporary: temporary)
        var arguments = ["rcat", remotePath(target)]
        if let expectedLength { arguments += ["--size", String(expectedLength)] }
        if let limit = rclone.configuration.bandwidthLimit { arguments += ["--bwlimit", limit] }
        let child = try await rclone.start(arguments, stdin: true)
        var sha = SHA256()
        var md5 = Insecure.MD5()
        var mp4 = MP4StreamCheck()
        var written: Int64 = 0
        var duration: Double?
        do {
            try await withTaskCancellationHandler {
                for try await chunk in chunks {
                    try Task.checkCancellation()
                    chunk.withUnsafeReadableBytes { bytes in
                        sha.update(bufferPointer: bytes)
                        md5.update(bufferPointer: bytes)
                        if checkMP4 { mp4.feed(bytes) }
                    }
                    do {
                        try await child.write(chunk)
                    } catch {
                        // rclone went away mid-stream: its own failure is the one to report.
                        throw RemoteError.failed(
                            remote: root, doing: "take \(relative)",
                            reason: Rclone.lastError(child) ?? "rclone stopped reading")
                    }
                    written += Int64(chunk.readableBytes)
                    onBytes?(chunk.readableBytes)
                }
                try Task.checkCancellation()
                if let expectedLength, expectedLength != written {
                    throw ProtectError.network(reason: "the body ended after \(written) of \(expectedLength) bytes")
                }
                if checkMP4 { duration = try mp4.finish() }
            } onCancel: {
                child.terminateOnce()
            }
        } catch {
            child.terminateOnce()
            _ = await child.wait()
            child.closeInput()
            await cleanUp(relative)
            throw error
        }
        child.closeInput()
        let status = await child.wait()
        guard status == 0 else {
            let failure = RemoteError.failed(
                remote: root, doing: "store \(relative)",
                reason: Rclone.lastError(child) ?? "rclone exited with status \(status)")
            await cleanUp(relative)
            throw failure
        }
        let file = UploadedFile(
            bytes: written, sha256: FileHash.hex(sha.finalize()),
            md5: md5.finalize().map { String(format: "%02x", $0) }.joined(), remoteHash: nil, duration: duration)
        do {
            let checked = try await check(target, against: file)
            if let temporary {
                try await move(temporary, to: relative)
                guard let moved = try await stat(relative), moved.size == written else {
                    throw RemoteError.failed(
                        remote: root, doing: "store \(relative)", reason: "the file is not at its name after the move")
                }
            }
            try state.finishUpload(
                path: relative, size: written, sha256: file.sha256, md5: file.md5, remoteHash: checked.remoteHash)
            return checked
        } catch {
            await cleanUp(relative)
            throw error
        }
    }

    /// Uploads a small file held in memory (an image, a manifest).
    /// Uploads a local file, read in pieces of 1 MiB.
    public func put(file: URL, to relative: String) async throws {
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value
        _ = try await upload(FileChunks(url: file), expectedLength: size, to: relative, checkMP4: false)
    }

    public func put(_ data: Data, to relative: String) async throws {
        _ = try await upload(
            OneChunk(buffer: ByteBuffer(bytes: data)), expectedLength: Int64(data.count), to: relative,
            checkMP4: false)
    }

    /// Lists the object just written and compares its size, and the remote's hash where it has one.
    private func check(_ target: String, against file: UploadedFile) async throws -> UploadedFile {
        guard let object = try await stat(target, hashes: true) else {
            throw RemoteError.failed(
                remote: root, doing: "store \(target)", reason: "rclone reported success but the file is not there")
        }
        guard object.size == file.bytes else {
            throw RemoteError.failed(
                remote: root, doing: "store \(target)",
                reason: "the stored file has \(object.size) bytes instead of \(file.bytes)")
        }
        var checked = file
        if let md5 = object.hashes["md5"] {
            guard md5 == file.md5 else {
                throw RemoteError.failed(
                    remote: root, doing: "store \(target)", reason: "the remote's MD5 of the file differs")
            }
            checked.remoteHash = "md5:" + md5
        }
        return checked
    }

    /// After a failed upload: settles its journal row as the next run would settle one left by a crash (the
    /// temporary file, or a final object the state does not record, deleted; the row finished or forgotten).
    private func cleanUp(_ relative: String) async {
        do {
            if let row = try state.remoteFile(path: relative), row.status == .uploading { try await settle(row) }
        } catch {
            logger.warning(
                "Could not clean up after a failed upload of \(relative): \(error.localizedDescription); the next run does."
            )
        }
    }

    static func temporaryName(for relative: String) -> String {
        let url = URL(fileURLWithPath: "/" + relative)
        let folder = url.deletingLastPathComponent().path
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let name = ".\(url.lastPathComponent).partial-\(suffix)"
        return folder == "/" ? name : String(folder.dropFirst()) + "/" + name
    }
}

/// One buffer as an async sequence, for uploads of data already in memory.
/// A local file as a sequence of 1 MiB buffers.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    var url: URL

    func makeAsyncIterator() -> Iterator { Iterator(handle: try? FileHandle(forReadingFrom: url), url: url) }

    struct Iterator: AsyncIteratorProtocol {
        var handle: FileHandle?
        var url: URL
        mutating func next() async throws -> ByteBuffer? {
            guard let handle else { throw LocalFileError(errno: ENOENT, path: url.path, doing: "read") }
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }
}

struct OneChunk: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    var buffer: ByteBuffer

    func makeAsyncIterator() -> Iterator { Iterator(buffer: buffer) }

    struct Iterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }
}

extension Rclone {
    /// The error line rclone printed before it went away, if any.
    static func lastError(_ child: ChildProcess) -> String? {
        let text = child.errorText()
        guard !text.isEmpty else { return nil }
        return RcloneOutput(status: 1, stdout: [], stderr: text).reason
    }
}
