import ArgumentParser
import Foundation
import Logging
import ProtectAPI

/// Options that only commands downloading video use: the legacy console's refresh counters and the idle timeout.
struct TransferOptionGroup: ParsableArguments {
    @Option(help: "Legacy consoles: downloads per access key.")
    var downloadsBeforeKeyRefresh = 3
    @Option(help: "Legacy consoles: downloads per login.")
    var downloadsBeforeAuthRefresh = 10
    @Option(help: "Seconds the console may stay silent before a request fails.")
    var downloadRequestTimeout: Double = 60

    func validate() throws {
        if downloadsBeforeKeyRefresh < 1 || downloadsBeforeAuthRefresh < 1 {
            throw ValidationError("The refresh counts must be at least 1.")
        }
        if downloadRequestTimeout <= 0 {
            throw ValidationError("--download-request-timeout must be a positive number of seconds.")
        }
    }

    func apply(to configuration: inout ConsoleConfiguration) {
        configuration.legacyRefresh.downloadsBeforeKeyRefresh = downloadsBeforeKeyRefresh
        configuration.legacyRefresh.downloadsBeforeAuthRefresh = downloadsBeforeAuthRefresh
        configuration.timeouts.idleRead = downloadRequestTimeout
    }
}
