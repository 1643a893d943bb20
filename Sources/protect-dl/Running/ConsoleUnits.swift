import ArgumentParser
import Foundation
import Logging
import ProtectArchive

/// Runs console units through the library's `ConsoleSupervisor`, in a task that signals cancel: renders each unit
/// that fails beside others, and turns the outcome into the run's exit code.
enum ConsoleUnits {
    static func run(
        _ units: [ConsoleUnit], reporter: Reporter, metricsAddress: String?, logger: Logger,
        partFiles: PartFileRegistry = PartFileRegistry()
    ) async throws {
        let supervisor = ConsoleSupervisor(
            units: units, metricsAddress: metricsAddress.flatMap(MetricsServer.Address.init), logger: logger)
        let (result, signal) = await runInterruptible(reporter: reporter, partFiles: partFiles) {
            try await supervisor.run { name, error in
                reporter.emit("protect-dl: [\(name)] \(errorText(error))", toStderr: true)
            }
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
