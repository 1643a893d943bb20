import Synchronization

/// The cameras' stills, made once per archive file (a newer file makes a newer still); at most 256 kept.
final class StillCache: Sendable {
    private let stills = Mutex<[String: [UInt8]]>([:])

    /// The still of `path`, made by `make` the first time.
    func still(of path: String, make: () async throws -> [UInt8]) async throws -> [UInt8] {
        if let known = stills.withLock({ $0[path] }) { return known }
        let made = try await make()
        stills.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[path] = made
        }
        return made
    }
}
