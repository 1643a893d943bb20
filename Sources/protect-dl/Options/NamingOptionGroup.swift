import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// How files are named.
struct NamingOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Name files by this template, relative to --dest, e.g. \"{camera}/{start_date}/{start_time}\".",
            discussion: "Fields: " + OutputTemplate.fields.map { "{\($0.name)}" }.joined(separator: " ")))
    var outputTemplate: String?
    @Flag(help: "Show times in names in UTC instead of the times' (or the console's) zone.")
    var utc = false
}
