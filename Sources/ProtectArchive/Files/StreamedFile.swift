import Foundation

/// A file written piece by piece under a temporary name beside its final one, and renamed into place only when
/// whole: a reader never sees half of it at the final name.
final class StreamedFile {
    let final: URL
    let temporary: URL
    private var handle: FileHandle?
    private var buffer = Data()

    init(final: URL) throws {
        self.final = final
        temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).partial-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw LocalFileError(errno: errno, path: temporary.path, doing: "create")
        }
        handle = try FileHandle(forWritingTo: temporary)
    }

    /// Appends text; written out in pieces of 1 MiB.
    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw LocalFileError(
                errno: (error as NSError).code == 28 ? ENOSPC : EIO, path: temporary.path, doing: "write to")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left, syncs, and renames the file to its final name.
    func commit() throws {
        try flush()
        try handle?.synchronize()
        try handle?.close()
        handle = nil
        guard rename(temporary.path, final.path) == 0 else {
            throw LocalFileError(errno: errno, path: final.path, doing: "rename into")
        }
    }

    /// Removes the temporary file unless it was committed.
    func discard() {
        if let handle {
            try? handle.close()
            self.handle = nil
            unlink(temporary.path)
        }
    }
}
