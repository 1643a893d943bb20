import Crypto
import Foundation
import NIOCore
import ProtectAPI

/// A file that reached its final name on a remote, checked.
public struct UploadedFile: Sendable, Equatable {
    public var bytes: Int64
    /// Lower-case hex SHA-256, computed as the bytes passed.
    public var sha256: String
    /// Lower-case hex MD5 where the remote's check hash is MD5: computed as the bytes passed, or on bucket remotes
    /// (where rclone sends its own MD5 of the spooled file with the upload and checks the stored object's) the
    /// remote's; empty otherwise (a remote checked with SHA-1, or with no hash).
    public var md5: String
    /// The remote's own hash of what it stored (`md5:<hex>` or `sha1:<hex>`), when it has one; compared with the
    /// one protect-dl took as the bytes passed, where it took one.
    public var remoteHash: String?
    /// The MP4's duration in seconds, for checked videos.
    public var duration: Double?
}

extension RemoteStore {
    /// Sends `chunks` to `relative`, hashing and checking them as they pass, and makes sure nothing partial or
    /// unchecked is ever visible at the final name.
    ///
    /// By default the bytes are first written whole to a spool file in the state folder (hashed, and for a video
    /// checked as a whole MP4, on the way), then rclone's daemon sends that file (`operations/copyfile`): rclone knows
    /// its size, so a bucket gets one PUT (below rclone's upload cutoff) and an upload cut short is an error to it,
    /// never a file. The spooling needs nothing of the remote: it goes on while the remote's checks still run (see
    /// `open`), and the file is sent once they and the upload gates passed. Without a spool (turned off, or the local
    /// disk full) the bytes stream to `operations/uploadfile` as a `multipart/form-data` body whose closing boundary,
    /// which tells rclone the file is whole, is sent only once the checks passed; any other end drops the connection
    /// and rclone aborts.
    ///
    /// On buckets a multipart upload is never completed unless whole, so the file goes straight to its name. On file
    /// remotes (sftp, smb) rclone writes in place, so the file goes to `.<name>.partial-<random>` first and is
    /// renamed once checked. After rclone's answer the object is looked at once: its size, and the remote's own hash
    /// where it has one (SHA-1 or MD5 on file remotes, see `RemoteHashKind.check(for:)`), compared with what was
    /// sent. `onSpooled` hears that the bytes are read whole and spooled (never when they stream): their source is
    /// free while rclone sends the file.
    public func upload<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, expectedLength: Int64?, to relative: String, checkMP4: Bool,
        onBytes: (@Sendable (Int) -> Void)? = nil, onSpooled: (@Sendable () async -> Void)? = nil
    ) async throws -> UploadedFile where Chunks.Element == ByteBuffer {
        await slots.acquire()
        defer { Task { await slots.release() } }
        guard let spool, !spoolTurnedOff.withLock({ $0 }) else {
            let features = try await readyToSend()
            return try await store(relative, features: features) { target in
                try await sendStreamed(
                    chunks, features: features, expectedLength: expectedLength, to: target, relative: relative,
                    checkMP4: checkMP4, onBytes: onBytes)
            }
        }
        // A bucket gets rclone's own MD5 of the file with the upload (S3's Content-MD5, which the server checks) and
        // rclone compares the stored object's with it: taking one here too would only cost time. A file remote
        // (sftp) checks nothing as it writes, so protect-dl takes the check hash of the bytes as they pass and
        // compares the server's own (one read there, as rclone copy does), and rclone is told not to compare a hash
        // a second time.
        let hash = { (features: RemoteFeatures) in features.bucketBased ? nil : RemoteHashKind.check(for: features) }
        guard checksBeside else {
            // The checks passed in `open`: the upload is journaled before its bytes are even spooled.
            let features = try await readyToSend()
            return try await store(relative, features: features) { target in
                let spooled = try await spoolBytes(
                    chunks, spool: spool, expectedLength: expectedLength, relative: relative, checkMP4: checkMP4,
                    hash: hash(features), onBytes: onBytes)
                defer { spool.remove(spooled.name) }
                await onSpooled?()
                try await send(spooled.name, from: spool, to: target, relative: relative, features: features)
                return spooled.whole
            }
        }
        // The checks run beside (sync): the bytes are spooled at once, and journaled and sent once the checks and the
        // upload gates passed. A file spooled before the checks told which hash the remote compares has it read back
        // from the spool file (from the page cache).
        let known = checks.known
        let spooled = try await spoolBytes(
            chunks, spool: spool, expectedLength: expectedLength, relative: relative, checkMP4: checkMP4,
            hash: known.flatMap(hash), onBytes: onBytes)
        defer { spool.remove(spooled.name) }
        await onSpooled?()
        let features = try await readyToSend()
        var whole = spooled.whole
        if known == nil, let kind = hash(features) {
            whole.hash = (kind, try spool.hash(of: spooled.name, kind: kind))
        }
        return try await store(relative, features: features) { [whole] target in
            try await send(spooled.name, from: spool, to: target, relative: relative, features: features)
            return whole
        }
    }

    /// Has rclone's daemon send a spooled file to `target`.
    private func send(
        _ name: String, from spool: UploadSpool, to target: String, relative: String, features: RemoteFeatures
    ) async throws {
        // rclone looks for no existing file first (the target is new, or a replacement). Sent to protect-dl's own
        // temporary name, the file is written there in place: rclone 1.63+ would otherwise write a name of its own
        // (`<target>.<hex>.partial`) and rename it, which costs a round-trip and, when the run is stopped, is left
        // behind where no journal knows it (rclone 1.60 writes in place and ignores the key).
        let parameters: [String: Any] = [
            "srcFs": ":local:" + spool.folder.path, "srcRemote": name, "dstFs": root, "dstRemote": target,
            "_config": ["IgnoreChecksum": !features.bucketBased, "NoCheckDest": true, "Inplace": target != relative],
        ]
        do {
            _ = try await daemon.call("operations/copyfile", parameters, idempotent: false, transfer: true)
        } catch {
            throw failure(error, doing: "store \(relative)")
        }
    }

    /// Journals the upload of `relative`, has `send` put the bytes at the name it is given (the final one on a
    /// bucket, a temporary one elsewhere), checks what arrived, renames it and records it.
    private func store(
        _ relative: String, features: RemoteFeatures, send: (_ target: String) async throws -> UploadTally.Whole
    ) async throws -> UploadedFile {
        let direct = features.bucketBased || !(features.canMove || features.canCopy)
        let temporary = direct ? nil : Self.temporaryName(for: relative)
        let target = temporary ?? relative
        try state.beginUpload(path: relative, remote: root, temporary: temporary)
        let whole: UploadTally.Whole
        do {
            whole = try await send(target)
        } catch {
            await cleanUp(relative)
            throw error
        }
        let file = UploadedFile(
            bytes: whole.bytes, sha256: whole.sha256, md5: whole.hash?.kind == .md5 ? whole.hash?.hex ?? "" : "",
            remoteHash: nil, duration: whole.duration)
        do {
            let checked = try await check(target, against: file, hash: whole.hash, features: features)
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
                path: relative, size: whole.bytes, sha256: file.sha256, md5: checked.md5,
                remoteHash: checked.remoteHash)
            return checked
        } catch {
            await cleanUp(relative)
            throw error
        }
    }

    /// Writes the bytes whole to the spool (hashed with `hash` as they pass); its file's name and what it holds. A
    /// spool that cannot be written is turned off for the rest of the run, and this upload fails.
    private func spoolBytes<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, spool: UploadSpool, expectedLength: Int64?, relative: String, checkMP4: Bool,
        hash: RemoteHashKind?, onBytes: (@Sendable (Int) -> Void)?
    ) async throws -> (name: String, whole: UploadTally.Whole) where Chunks.Element == ByteBuffer {
        do {
            return try await spool.write(
                chunks, expectedLength: expectedLength, checkMP4: checkMP4, hash: hash, onBytes: onBytes)
        } catch let unusable as UploadSpool.Unusable {
            // Said once, by the upload that turned the spool off (the others in flight meet the same full disk).
            let cause = String(cString: strerror(unusable.error.errno))
            let first = spoolTurnedOff.withLock { turnedOff in
                defer { turnedOff = true }
                return !turnedOff
            }
            if first {
                let folder = spool.folder.path
                logger.warning(
                    "The upload spool \(folder) cannot be written (\(cause)): uploads stream straight to rclone from now on."
                )
            }
            throw RemoteError.failed(
                remote: root, doing: "store \(relative)", reason: "its local copy could not be written (\(cause))")
        }
    }

    /// Streams the bytes to rclone's `operations/uploadfile`; what was sent.
    private func sendStreamed<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, features: RemoteFeatures, expectedLength: Int64?, to target: String, relative: String,
        checkMP4: Bool, onBytes: (@Sendable (Int) -> Void)?
    ) async throws -> UploadTally.Whole where Chunks.Element == ByteBuffer {
        let tally = UploadTally()
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        // Streamed, rclone sends no hash of its own: protect-dl takes the check hash (a bucket's MD5 too, though a
        // multipart upload keeps none to compare with).
        let body = UploadBody(
            chunks: chunks, boundary: "protect-dl-" + UUID().uuidString, fileName: name,
            expectedLength: expectedLength, checkMP4: checkMP4, hash: RemoteHashKind.check(for: features),
            onBytes: onBytes, tally: tally)
        do {
            try await daemon.upload(body, boundary: body.boundary, fs: root, folder: folder)
        } catch {
            throw tally.error ?? failure(error, doing: "store \(relative)")
        }
        guard let whole = tally.whole else {
            throw RemoteError.failed(
                remote: root, doing: "store \(relative)", reason: "rclone answered before the file was sent whole")
        }
        return whole
    }

    /// Uploads a local file, read in pieces of 1 MiB.
    public func put(file: URL, to relative: String) async throws {
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value
        _ = try await upload(FileChunks(url: file), expectedLength: size, to: relative, checkMP4: false)
    }

    /// Uploads a small file held in memory (an image, a manifest).
    public func put(_ data: Data, to relative: String) async throws {
        _ = try await upload(
            OneChunk(buffer: ByteBuffer(bytes: data)), expectedLength: Int64(data.count), to: relative,
            checkMP4: false)
    }

    /// Lists the object just written and compares its size, and the remote's own hash (where it has one) with
    /// `hash`, the one taken as the bytes passed (nil when protect-dl took none: a spooled bucket upload, which rclone
    /// checked with its own MD5, or a remote without hashes).
    private func check(
        _ target: String, against file: UploadedFile, hash: (kind: RemoteHashKind, hex: String)?,
        features: RemoteFeatures
    ) async throws -> UploadedFile {
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
        guard let kind = RemoteHashKind.check(for: features) else { return checked }
        guard let remote = object.hashes[kind.rawValue] else {
            // A bucket keeps no MD5 of a multipart (streamed) upload. A file remote that gave none this time (its hash
            // command failed): the file stands on its size, as rclone copy would take it, and the hash taken here is
            // kept for verify to compare (an MD5 in its own column).
            if !features.bucketBased {
                if let hash, hash.kind == kind, kind != .md5 { checked.remoteHash = kind.recorded(hash.hex) }
                let reason = "it is checked by its size; verify compares it later"
                logger.warning("\(root) gave no \(kind.displayName) of \(target): \(reason).")
            }
            return checked
        }
        if let hash, hash.kind == kind {
            guard remote == hash.hex else {
                throw RemoteError.failed(
                    remote: root, doing: "store \(target)",
                    reason: "the remote's \(kind.displayName) of the file differs")
            }
        } else if !features.bucketBased {
            // Only a bucket's MD5 was checked by rclone itself; on a file remote a hash taken here is compared.
            throw RemoteError.failed(
                remote: root, doing: "store \(target)",
                reason: "no \(kind.displayName) was taken of the bytes to compare the remote's with")
        }
        if kind == .md5 { checked.md5 = remote }
        checked.remoteHash = kind.recorded(remote)
        return checked
    }

    /// After a failed upload: settles its journal row as the next run would settle one left by a crash (the
    /// temporary file, or a final object the state does not record, deleted; the row finished or forgotten).
    private func cleanUp(_ relative: String) async {
        do {
            if let row = try state.remoteFile(path: relative), row.status == .uploading { try await settle(row) }
        } catch let error where error is CancellationError || Task.isCancelled {
            // A stopped run (Ctrl-C, a closed pipe): the upload stays journaled, and the next run settles it first.
            logger.debug("Left the unfinished upload of \(relative) to the next run (this one was stopped).")
        } catch {
            let reason = ErrorText.sentence(error)
            logger.warning("Could not clean up after a failed upload of \(relative) (the next run does): \(reason)")
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

/// One buffer as an async sequence, for uploads of data already in memory.
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
