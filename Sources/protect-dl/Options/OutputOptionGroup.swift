import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// What the command prints.
struct OutputOptionGroup: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"
    @Flag(name: [.short, .long], help: "Log more (the same as --log-level info).")
    var verbose = false
    @Flag(help: "No progress line and no line per file; failures and the summary still show.")
    var quiet = false
    @Flag(help: "One JSON object per line on stdout for each file, then a summary object.")
    var json = false

    var level: String { verbose ? "info" : logLevel }
}
