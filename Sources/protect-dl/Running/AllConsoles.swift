import ArgumentParser
import Foundation
import Logging
import ProtectArchive

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
                guard let command = parsed as? any ConsoleUnitCommand else {
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                units.append(try await command.makeUnit(console: name, reporter: prefixed, partFiles: partFiles))
                metricsAddress = metricsAddress ?? command.metricsAddress
                level = command.output.level
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
