import Synchronization

/// The checks of a remote when it is opened (rclone's version, its daemon, the remote known, the credentials
/// accepted, the root created and listed) and what they found, its features; run before `RemoteStore.open` returns,
/// or beside the console's first answers (`sync`), in which case every call to the remote waits for them and fails
/// with their error.
final class RemoteChecks: Sendable {
    private final class Found: Sendable {
        let features = Mutex<RemoteFeatures?>(nil)
    }

    private let task: Task<RemoteFeatures, any Error>
    private let found: Found

    /// Starts `checks` at once.
    init(_ checks: @escaping @Sendable () async throws -> RemoteFeatures) {
        let found = Found()
        self.found = found
        task = Task {
            let features = try await checks()
            found.features.withLock { $0 = features }
            return features
        }
    }

    /// Checks that have passed already.
    init(passed features: RemoteFeatures) {
        found = Found()
        found.features.withLock { $0 = features }
        task = Task { features }
    }

    /// The features once the checks passed; waits for them, and throws their error if they failed.
    func features() async throws -> RemoteFeatures {
        if let known { return known }
        return try await task.value
    }

    /// The features if the checks have passed already, without waiting.
    var known: RemoteFeatures? { found.features.withLock { $0 } }
}
