import Testing

/// A condition a test waited for in vain.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was waited for.
    public var what: String
    /// How long it was waited for.
    public var timeout: Duration
    /// Creates the error for `what`, waited for `timeout`.
    public init(what: String, timeout: Duration) {
        self.what = what
        self.timeout = timeout
    }
    /// The failure as a test report shows it.
    public var description: String { "waited \(timeout) for \(what), in vain" }
}

/// Polls `condition` until it holds; past `timeout` (on a `ContinuousClock`) records an issue naming `what` and throws.
public func eventually(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(50),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while !(try await condition()) {
        guard clock.now < deadline else {
            let failure = WaitTimedOut(what: what, timeout: timeout)
            Issue.record("\(failure)", sourceLocation: sourceLocation)
            throw failure
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls `value` until it returns non-nil and returns that; past `timeout` fails as `eventually` does.
public func eventually<T>(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(50),
    sourceLocation: SourceLocation = #_sourceLocation, _ value: () async throws -> T?
) async throws -> T {
    var found: T?
    try await eventually(what, timeout: timeout, every: interval, sourceLocation: sourceLocation) {
        found = try await value()
        return found != nil
    }
    return found!
}
