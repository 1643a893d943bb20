import Foundation

extension ConsoleState {
    /// Reserves a place for an export; nil when the console is overloaded.
    func beginExport() -> Bool {
        let performance = configuration.performance
        if performance.enabled && stats.currentExports >= performance.maxConcurrentExports {
            stats.overloadRejections += 1
            return false
        }
        stats.exports += 1
        stats.currentExports += 1
        stats.peakConcurrentExports = max(stats.peakConcurrentExports, stats.currentExports)
        return true
    }

    func endExport(completed: Bool) {
        stats.currentExports -= 1
        if completed { stats.completedExports += 1 }
    }

    /// How long to wait after sending `bytes` so that all exports together stay under the global cap: the link is
    /// busy until a moment that each chunk moves on by its size at the cap of now (the console's slow-down with the
    /// exports in progress included); time the link stood idle is not made up later.
    func globalDelay(for bytes: Int) -> Double {
        guard configuration.performance.enabled, let cap = configuration.performance.totalBytesPerSecond else {
            return 0
        }
        let now = ContinuousClock.now
        let rate = cap * configuration.performance.speedFactor(exports: stats.currentExports)
        linkBusyUntil = max(linkBusyUntil, now) + .seconds(Double(bytes) / rate)
        return max(0, (linkBusyUntil - now).simulatorSeconds)
    }

    func prepare(camera: String, parameters: QueryParameters) -> String {
        let name = "export-\(randomToken(10)).mp4"
        prepared[name] = PreparedExport(camera: camera, parameters: parameters)
        return name
    }

    func preparedExport(named name: String) -> PreparedExport? { prepared[name] }
}
