/// One console's work in a run (a sync loop, a watch): what `ConsoleSupervisor` runs, alone or beside others.
public struct ConsoleUnit: Sendable {
    /// How a unit's work ended.
    public struct Result: Sendable, Equatable {
        /// Items (hours) that failed and are recorded to be tried again.
        public var failedItems = 0
        /// The work was stopped before its end.
        public var interrupted = false

        public init(failedItems: Int = 0, interrupted: Bool = false) {
            self.failedItems = failedItems
            self.interrupted = interrupted
        }
    }

    /// The console's name (a configuration file's section, or `default`).
    public var name: String
    /// Seconds within which a pass is due (for `/healthz`); nil for a single pass.
    public var period: Double?
    /// A daemon (`sync --every`, `watch`) stopped by a signal has done its job.
    public var daemon: Bool
    /// Told the signal that stopped the run (to print a last line).
    public var onStopped: @Sendable (Int32) -> Void = { _ in }
    /// The work, given the run's metrics when they are served.
    public var work: @Sendable (ArchiveMetrics?) async throws -> Result

    public init(
        name: String, period: Double?, daemon: Bool? = nil,
        work: @escaping @Sendable (ArchiveMetrics?) async throws -> Result
    ) {
        self.name = name
        self.period = period
        self.daemon = daemon ?? (period != nil)
        self.work = work
    }
}
