import Logging

/// Runs console units in one process: the metrics server (if asked for) lives as long as they do, and with several
/// consoles one that fails is reported and never stops the others (alone, a unit's failure is the run's).
public struct ConsoleSupervisor: Sendable {
    public var units: [ConsoleUnit]
    /// Where to serve metrics and `/healthz`; nil for none.
    public var metricsAddress: MetricsServer.Address?
    public var logger: Logger

    public init(units: [ConsoleUnit], metricsAddress: MetricsServer.Address?, logger: Logger) {
        self.units = units
        self.metricsAddress = metricsAddress
        self.logger = logger
    }

    /// Runs every unit to its end; returns each unit's outcome in the order they ended. `onUnitFailed` hears of a
    /// unit that failed beside others (its failure is then in the results, and the others go on).
    public func run(
        onUnitFailed: @escaping @Sendable (_ unit: String, _ error: any Error) -> Void
    ) async throws -> [Swift.Result<ConsoleUnit.Result, any Error>] {
        let metrics = metricsAddress.map { _ in ArchiveMetrics() }
        for unit in units { metrics?.register(console: unit.name, period: unit.period ?? 300) }
        let units = self.units
        let several = units.count > 1
        let all = { @Sendable () async throws -> [Swift.Result<ConsoleUnit.Result, any Error>] in
            try await withThrowingTaskGroup(of: Swift.Result<ConsoleUnit.Result, any Error>.self) { group in
                for unit in units {
                    group.addTask {
                        do {
                            return .success(try await unit.work(metrics))
                        } catch {
                            guard several, !(error is CancellationError) else { throw error }
                            onUnitFailed(unit.name, error)
                            return .failure(error)
                        }
                    }
                }
                var results: [Swift.Result<ConsoleUnit.Result, any Error>] = []
                for try await result in group { results.append(result) }
                return results
            }
        }
        guard let metrics, let metricsAddress else { return try await all() }
        return try await MetricsServer(address: metricsAddress, metrics: metrics, logger: logger).withRunning(all)
    }
}
