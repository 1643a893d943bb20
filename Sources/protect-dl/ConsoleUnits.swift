import ArgumentParser
import Foundation
import Logging
import ProtectArchive

/// One console's work in a run (a sync loop, a watch): what `ConsoleUnits` runs, alone or beside others.
struct ConsoleUnit: Sendable {
    /// How a unit's work ended.
    struct Result: Sendable {
        var failedItems = 0
        var interrupted = false
    }

    var name: String
    /// Seconds within which a pass is due (for `/healthz`); nil for a single pass.
    var period: Double?
    /// A daemon (`sync --every`, `watch`) stopped by a signal has done its job: exit 0.
    var daemon: Bool
    var onStopped: @Sendable (Int32) -> Void = { _ in }
    var work: @Sendable (ArchiveMetrics?) async throws -> Result

    init(
        name: String, period: Double?, daemon: Bool? = nil,
        work: @escaping @Sendable (ArchiveMetrics?) async throws -> Result
    ) {
        self.name = name
        self.period = period
        self.daemon = daemon ?? (period != nil)
        self.work = work
    }
}

/// Runs console units in one process: signals stop them all, the metrics server (if asked for) lives as long as
/// they do, and with several consoles one that fails is reported and never stops the others.
enum ConsoleUnits {
    static func run(
        _ units: [ConsoleUnit], reporter: Reporter, metricsAddress: String?, logger: Logger,
        partFiles: PartFileRegistry = PartFileRegistry()
    ) async throws {
        let metrics = metricsAddress.map { _ in ArchiveMetrics() }
        for unit in units { metrics?.register(console: unit.name, period: unit.period ?? 300) }
        let several = units.count > 1
        let (result, signal) = await runInterruptible(reporter: reporter, partFiles: partFiles) {
            () async throws -> [Swift.Result<ConsoleUnit.Result, any Error>] in
            let all = { @Sendable () async throws -> [Swift.Result<ConsoleUnit.Result, any Error>] in
                try await withThrowingTaskGroup(of: Swift.Result<ConsoleUnit.Result, any Error>.self) { group in
                    for unit in units {
                        group.addTask {
                            do {
                                return .success(try await unit.work(metrics))
                            } catch {
                                // Alone, a unit's failure is the run's; beside others it is reported and kept.
                                guard several, !(error is CancellationError) else { throw error }
                                reporter.emit(
                                    "protect-dl: [\(unit.name)] \(errorText(error))", toStderr: true)
                                return .failure(error)
                            }
                        }
                    }
                    var results: [Swift.Result<ConsoleUnit.Result, any Error>] = []
                    for try await result in group { results.append(result) }
                    return results
                }
            }
            guard let metrics, let text = metricsAddress, let address = MetricsServer.Address(text) else {
                return try await all()
            }
            return try await MetricsServer(address: address, metrics: metrics, logger: logger).withRunning(all)
        }
        if reporter.outputClosed { throw ExitCode(ExitStatus.outputClosed.rawValue) }
        let daemon = units.allSatisfy(\.daemon)
        switch result {
        case .success(let results):
            if signal != 0 || results.contains(where: { (try? $0.get())?.interrupted == true }) {
                for unit in units { unit.onStopped(signal) }
                if daemon { return }
                throw signalExit(signal)
            }
            if let failure = results.compactMap({ result -> (any Error)? in
                if case .failure(let error) = result { return error }
                return nil
            }).first {
                throw ExitCode(ExitStatus.of(failure).rawValue)
            }
            if results.contains(where: { ((try? $0.get())?.failedItems ?? 0) > 0 }) {
                Console.write(
                    "protect-dl: some hours failed; they are recorded and the next sync tries them again.",
                    to: .standardError)
                throw ExitCode(ExitStatus.httpError.rawValue)
            }
        case .failure(let error):
            if signal != 0 {
                for unit in units { unit.onStopped(signal) }
                if daemon { return }
                throw signalExit(signal)
            }
            throw fail(error)
        }
    }
}

/// `sync --all-consoles` and `watch --all-consoles`: each console of the configuration file, in one process.
enum AllConsoles {
    static func main(_ commands: [LayeredCommand]) async {
        do {
            let reporter = Reporter(json: false, quiet: false, progress: false)
            let partFiles = PartFileRegistry()
            var units: [ConsoleUnit] = []
            var metricsAddress: String?
            var level = "warning"
            for layered in commands {
                let parsed: any ParsableCommand
                do {
                    parsed = try ProtectDL.parseAsRoot(layered.arguments)
                } catch {
                    Console.write(
                        "protect-dl: [\(layered.console ?? "")] \(errorText(error))", to: .standardError)
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                let name = layered.console ?? "default"
                let prefixed = Reporter(json: false, quiet: false, progress: false, console: name)
                switch parsed {
                case let sync as Sync:
                    units.append(try await sync.makeUnit(console: name, reporter: prefixed, partFiles: partFiles))
                    metricsAddress = metricsAddress ?? sync.metricsAddress
                    level = sync.output.level
                case let watch as Watch:
                    units.append(try await watch.makeUnit(console: name, reporter: prefixed, partFiles: partFiles))
                    metricsAddress = metricsAddress ?? watch.metricsAddress
                    level = watch.output.level
                default:
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
            }
            try await ConsoleUnits.run(
                units, reporter: reporter, metricsAddress: metricsAddress, logger: makeLogger(level: level),
                partFiles: partFiles)
        } catch {
            ProtectDL.exit(withError: error)
        }
        ProtectDL.exit()
    }
}
