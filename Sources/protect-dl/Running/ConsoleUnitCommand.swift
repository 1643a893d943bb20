import ArgumentParser
import ProtectArchive

/// A command whose console's work runs alone or beside other consoles' (`sync`, `watch`): it makes its unit, and
/// runs alone the same way for both.
protocol ConsoleUnitCommand: ParsableCommand {
    var output: OutputOptionGroup { get }
    var metricsAddress: String? { get }
    /// Whether a progress line is drawn when it runs alone.
    static var drawsProgress: Bool { get }
    /// This command line's console as a unit of work (`console`: its name beside others).
    func makeUnit(console: String?, reporter: Reporter, partFiles: PartFileRegistry) async throws -> ConsoleUnit
}

extension ConsoleUnitCommand {
    /// Runs this command line's console alone.
    func runAlone() async throws {
        let reporter = Reporter(json: output.json, quiet: output.quiet, progress: Self.drawsProgress)
        let unit = try await makeUnit(console: nil, reporter: reporter, partFiles: PartFileRegistry())
        try await ConsoleUnits.run(
            [unit], reporter: reporter, metricsAddress: metricsAddress, logger: makeLogger(level: output.level))
    }
}
