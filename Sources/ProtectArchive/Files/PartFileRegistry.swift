import Foundation
import Synchronization

/// The `.part` files being written right now, so that a process told to stop at once can remove them first.
public final class PartFileRegistry: Sendable {
    private let paths = Mutex<Set<String>>([])

    public init() {}

    func add(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    func remove(_ path: String) { paths.withLock { _ = $0.remove(path) } }

    /// Unlinks every registered file (async-signal-safe enough for a last act: no allocation after the copy).
    public func removeAll() {
        let current = paths.withLock { $0 }
        for path in current { unlink(path) }
    }
}
