import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How much room a local destination has left, and when that is too little.
public struct FreeSpace: Sendable, Equatable {
    /// The least free space allowed: a share of the disk, or bytes.
    public enum Minimum: Sendable, Equatable {
        case fraction(Double)
        case bytes(Int64)

        /// Reads `5%` or a size such as `20G`.
        public init?(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast()), (0...100).contains(percent) {
                self = .fraction(percent / 100)
            } else if let bytes = ByteCount.parse(trimmed) {
                self = .bytes(bytes)
            } else {
                return nil
            }
        }
    }

    public var available: Int64
    public var total: Int64

    /// The file system holding `path` (nil when it cannot be asked).
    public static func of(_ path: String) -> FreeSpace? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let block = Int64(info.f_frsize)
        return FreeSpace(available: Int64(info.f_bavail) * block, total: Int64(info.f_blocks) * block)
    }

    /// Whether this is below `minimum`.
    public func isBelow(_ minimum: Minimum) -> Bool {
        switch minimum {
        case .fraction(let share): return total > 0 && Double(available) < share * Double(total)
        case .bytes(let bytes): return available < bytes
        }
    }
}

extension AlertCenter {
    /// Looks at the destination's free space (a local destination only).
    func checkSpace() {
        guard let folder = settings.freeSpaceFolder, let minimum = settings.minimumFree,
            let space = FreeSpace.of(folder.path)
        else { return }
        let low = space.isBelow(minimum)
        let free = ByteCountFormatter.string(fromByteCount: space.available, countStyle: .file)
        let total = ByteCountFormatter.string(fromByteCount: space.total, countStyle: .file)
        observe(
            .destinationLow, active: low,
            detail: low
                ? "\(folder.path) has \(free) free of \(total); free space or lower --keep before the disk fills."
                : "\(folder.path) has \(free) free of \(total).")
    }
}
