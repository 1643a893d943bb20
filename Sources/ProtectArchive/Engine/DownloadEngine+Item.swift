import Foundation
import ProtectAPI

#if canImport(Glibc)
    import Glibc
#endif

extension DownloadEngine {
    /// Downloads one item to its target (a local `.part` file renamed into place, or the remote archive), or
    /// skips it when it is there already.
    func download(
        _ item: ExportItem, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> ItemResult {
        let info = item.info
        let relative = info.path
        if let remote = options.remote {
            if options.skipExistingFiles, try await remote.stat(relative) != nil {
                onEvent(.skippedExisting(info))
                return .skipped
            }
            let ends = ShortEnds()
            let onBytes = options.onBytes
            return try await attempts(
                item, client: client, governor: governor, onEvent: onEvent,
                settle: { error, attempts in
                    await Self.keepShort(
                        item, on: remote, client: client, ends: ends, error: error, attempts: attempts,
                        onEvent: onEvent)
                },
                store: { body, consoleDone in
                    let cut = BodyCut()
                    do {
                        let file = try await remote.upload(
                            CountedBody(base: body, cut: cut), expectedLength: body.contentLength, to: relative,
                            checkMP4: true, onBytes: onBytes, onSpooled: consoleDone)
                        return StoredFile(bytes: file.bytes, sha256: file.sha256, duration: file.duration)
                    } catch {
                        ends.note(cutAt: cut.brokeAt)
                        throw error
                    }
                })
        }
        let target = options.destination.appendingPathComponent(relative)
        let part = target.path + ".part"
        let fileManager = FileManager.default
        do {
            try SafePath.check(relative, in: options.destination)
        } catch {
            onEvent(.failed(info, error: error, attempts: 0))
            return .failed(relative, error)
        }
        if options.skipExistingFiles, let size = LocalFile.size(target.path) {
            // A `.part` of an earlier run under this name is of no use any more.
            unlink(part)
            if size == 0 {
                onEvent(.skippedPlaceholder(info))
                return .placeholder
            }
            onEvent(.skippedExisting(info))
            return .skipped
        }
        do {
            try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            let local = LocalFileError(error, path: target.deletingLastPathComponent().path, doing: "create the folder")
            onEvent(.failed(info, error: local, attempts: 0))
            return .failed(relative, local)
        }
        var placeholder = false
        if options.touchFiles && LocalFile.size(target.path) == nil {
            placeholder = fileManager.createFile(atPath: target.path, contents: nil)
        }
        // A handled stop or failure removes the placeholder of a segment it did not finish: only a process that
        // died leaves one.
        func dropPlaceholder() {
            if placeholder && LocalFile.size(target.path) == 0 { unlink(target.path) }
        }
        let registry = options.partFiles
        let onBytes = options.onBytes
        let ends = ShortEnds()
        let destination = options.destination
        do {
            let result = try await attempts(
                item, client: client, governor: governor, onEvent: onEvent,
                settle: { error, attempts in
                    ends.settle(
                        part: part, relative: relative, destination: destination, error: error, attempts: attempts,
                        info: info, onEvent: onEvent)
                },
                store: { body, _ in
                    registry.add(part)
                    defer { registry.remove(part) }
                    do {
                        let written = try await PartFile.write(body, to: part, onBytes: onBytes)
                        let duration = try MP4Check.duration(path: part)
                        // rename(2) replaces the placeholder or an older file atomically.
                        guard rename(part, target.path) == 0 else {
                            throw LocalFileError(errno: errno, path: target.path, doing: "rename the finished file")
                        }
                        return StoredFile(bytes: written.bytes, sha256: written.sha256, duration: duration)
                    } catch {
                        // A body that ended early stays until the next attempt: the same end every time is a damaged
                        // recording, kept short.
                        if !ends.note(error, part: part) { unlink(part) }
                        throw error
                    }
                })
            if case .failed = result { unlink(part) }
            if case .downloaded = result {} else { dropPlaceholder() }
            return result
        } catch {
            unlink(part)
            dropPlaceholder()
            throw error
        }
    }
}
