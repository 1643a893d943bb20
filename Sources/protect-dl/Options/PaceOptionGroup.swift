import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// How many downloads at once, and how failed attempts are retried.
struct PaceOptionGroup: ParsableArguments {
    @Option(
        help:
            "Downloads at the same time, at most (default 8): protect-dl finds the console's best level below this by itself."
    )
    var parallel: Int?
    @Flag(help: "Run exactly --parallel downloads at once instead of finding the console's best level.")
    var fixedParallel = false
    @Option(help: "Further attempts after a network failure, a broken body or a 5xx answer.")
    var retries = 3
    @Option(help: "Seconds before the first retry; doubles with each attempt.")
    var retryDelay: Double = 2
    /// Pretend it is this moment (ISO 8601 with an offset): for tests and reproducible runs against a simulator.
    @Option(help: .hidden)
    var now: String?

    /// `--now` as milliseconds, when given and readable.
    var moment: UserTime? { now.flatMap { try? UserTime.parse($0, defaultZone: .fixed(seconds: 0)) } }

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1.") }
        if fixedParallel && parallel == nil { throw ValidationError("--fixed-parallel needs --parallel N.") }
        if now != nil && moment == nil {
            throw ValidationError("--now must be a time such as 2026-01-01T00:00:00Z.")
        }
        guard retries >= 0, retryDelay >= 0 else {
            throw ValidationError("--retries and --retry-delay cannot be negative.")
        }
    }

    func apply(to options: inout EngineOptions) {
        if let parallel { options.parallel = parallel }
        options.adaptiveParallel = !fixedParallel
        options.retries = retries
        options.retryDelay = retryDelay
        if let moment { options.clock = .fixed(moment.milliseconds) }
    }
}
