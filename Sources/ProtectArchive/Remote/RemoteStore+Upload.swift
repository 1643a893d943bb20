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
    /// Streams `chunks` to `relative` through rclone's daemon (`operations/uploadfile`), hashing as it goes, and
    /// makes sure nothing partial is ever visible at the final name.
    ///
    /// The body is `multipart/form-data`: rclone takes the file as whole only at the closing boundary, which is sent
    /// once the stream ended at the length announced and (for a video) as a whole MP4. Any other end (the console's
    /// body breaks, the task is cancelled, protect-dl is killed) drops the connection, and rclone aborts the upload:
    /// a bucket's multipart upload is never completed, so on buckets the file goes straight to its name. On file
    /// remotes (sftp, smb) rclone writes in place, so the file goes to `.<name>.partial-<random>` first and is
    /// renamed once checked. After rclone's answer the object is looked at once: its size, and the remote's MD5
    /// where it has one, compared with what was sent.
    public func upload<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, expectedLength: Int64?, to relative: String, checkMP4: Bool,
        onBytes: (@Sendable (Int) -> Void)? = nil
    ) async throws -> UploadedFile where Chunks.Element == ByteBuffer {
        await slots.acquire()
        defer { Task { await slots.release() } }
        let direct = features.bucketBased || !(features.canMove || features.canCopy)
        let temporary = direct ? nil : Self.temporaryName(for: relative)
        let target = temporary ?? relative
        try state.beginUpload(path: relative, remote: root, temporary: temporary)
        let tally = UploadTally()
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        let body = UploadBody(
            chunks: chunks, boundary: "protect-dl-" + UUID().uuidString, fileName: name,
            expectedLength: expectedLength, checkMP4: checkMP4, onBytes: onBytes, tally: tally)
        do {
            try await daemon.upload(body, boundary: body.boundary, fs: root, folder: folder)
        } catch {
            let failure = tally.error ?? failure(error, doing: "store \(relative)")
            await cleanUp(relative)
            throw failure
        }
        guard let whole = tally.whole else {
            await cleanUp(relative)
            throw RemoteError.failed(
                remote: root, doing: "store \(relative)", reason: "rclone answered before the file was sent whole")
        }
        let file = UploadedFile(
            bytes: whole.bytes, sha256: whole.sha256, md5: whole.md5, remoteHash: nil, duration: whole.duration)
        do {
            let checked = try await check(target, against: file)
            if let temporary {
                try await move(temporary, to: relative)
                // A rename is atomic; a copy and delete is looked at again.
                if !features.canMove {
                    guard let moved = try await stat(relative), moved.size == whole.bytes else {
                        throw RemoteError.failed(
                            remote: root, doing: "store \(relative)",
                            reason: "the file is not at its name after the move")
                    }
                }
            }
            try state.finishUpload(
                path: relative, size: whole.bytes, sha256: file.sha256, md5: file.md5, remoteHash: checked.remoteHash)
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
