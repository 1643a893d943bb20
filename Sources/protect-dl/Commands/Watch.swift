import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `protect-dl watch`: the realtime backup daemon.
struct Watch: AsyncParsableCommand, ConsoleUnitCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save every wanted event's clip seconds after it ends, listening to the console's websocket.",
        discussion: """
            Runs until SIGTERM or Ctrl-C (exit 0). Events the websocket misses are found by a back-fill from the \
            console's event list (at start, after every reconnect, and every --backfill-every); every event is \
            recorded in the archive's state, shared with sync, verify and manifest, so none is saved twice. \
            The first run back-fills --since (default: the last hour); later runs resume where the last stopped.

            """ + ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(
        help:
            "The archive folder (must exist; its state lives in .protect-dl/ inside it), or an rclone remote (remote:path)."
    )
    var dest: String
    @OptionGroup var remote: RemoteOptionGroup
    @OptionGroup var rules: EventRulesOptionGroup
    @Option(
        parsing: .unconditional,
        help:
            "Back-fill from here (the formats of download's --start, e.g. -6h); default: where the last run stopped, or an hour ago."
    )
    var since: String?
    @Option(help: "Back-fill from the console's event list this often.")
    var backfillEvery = "1m"
    @Option(help: "Ping the websocket this often; an unanswered ping closes it (0 for no pings).")
    var pingEvery = "30s"
    @Option(help: "Reconnect after this long without any packet.")
    var silenceTimeout = "5m"
    @Option(help: "Seconds to wait before each reconnect after 1, 2, ... failures (the last repeats), jittered.")
    var reconnectBackoff = "0,5,15,30,60"
    @Option(help: "Hold a finished clip up to this long for a running event of its camera to merge with (0: never).")
    var mergeWait = "0"
    @Option(help: "Attempts at an event's clip before it is given up (recorded with the reason).")
    var maxAttempts = 10
    @Option(help: "Wait before a failed clip is tried again; doubles each time, up to 30 minutes.")
    var retryAfter = "30s"
    @Option(help: "A heartbeat line with the connection state and counts this often (0 for none).")
    var heartbeat = "10m"
    @Flag(help: "Keep the hourly 24/7 archive too, as sync does (each hour once the console has finished it).")
    var hours = false
    @Option(help: "With --hours, check for finished hours this often.")
    var hoursEvery = "10m"
    @OptionGroup var stream: StreamOptionGroup
    @OptionGroup var naming: NamingOptionGroup
    @OptionGroup var pace: PaceOptionGroup
    @OptionGroup var transfer: TransferOptionGroup
    @OptionGroup(title: "Alerts") var alerts: NotifyOptionGroup
    @OptionGroup var output: OutputOptionGroup

    static func seconds(_ text: String, allowZero: Bool = false) -> Double? {
        if allowZero && Double(text) == 0 { return 0 }
        return DurationText.seconds(text)
    }

    var backoffSeconds: [Double]? {
        let values = reconnectBackoff.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return values.compactMap { $0 }
    }

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: rules.cameras, dest: dest)
        for (name, text, zero) in [
            ("--backfill-every", backfillEvery, false), ("--ping-every", pingEvery, true),
            ("--silence-timeout", silenceTimeout, false), ("--retry-after", retryAfter, false),
            ("--heartbeat", heartbeat, true), ("--merge-wait", mergeWait, true), ("--hours-every", hoursEvery, false),
        ] where Self.seconds(text, allowZero: zero) == nil {
            throw ValidationError("\(name) must be a duration such as 30s, 5m or 1h.")
        }
        guard backoffSeconds != nil else {
            throw ValidationError("--reconnect-backoff must be seconds separated by commas, such as 0,5,15,30,60.")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1.") }
        if let metricsAddress, MetricsServer.Address(metricsAddress) == nil {
            throw ValidationError("--metrics-address must be HOST:PORT, such as 127.0.0.1:9110 or :9110.")
        }
    }

    var options: WatchOptions {
        var options = WatchOptions(destination: URL(fileURLWithPath: dest))
        rules.apply(to: &options.events)
        options.events.variant = stream.variant
        options.events.template = naming.outputTemplate
        options.events.utc = naming.utc
        pace.apply(to: &options.events.engine)
        // Clips at once: short exports, two unless --parallel says otherwise.
        if pace.parallel == nil { options.events.engine.parallel = 2 }
        options.events.engine.ignoreFailedDownloads = true
        options.sinceText = since
        options.backfillSeconds = Self.seconds(backfillEvery) ?? 60
        options.pingSeconds = Self.seconds(pingEvery, allowZero: true) ?? 30
        options.silenceSeconds = Self.seconds(silenceTimeout) ?? 300
        options.backoff = backoffSeconds ?? options.backoff
        options.maxAttempts = maxAttempts
        options.mergeHoldSeconds = Self.seconds(mergeWait, allowZero: true) ?? 0
        options.retrySeconds = Self.seconds(retryAfter) ?? 30
        options.heartbeatSeconds = Self.seconds(heartbeat, allowZero: true) ?? 600
        if hours {
            var sync = SyncOptions(destination: options.events.engine.destination)
            sync.cameras = options.events.cameras
            sync.variant = stream.variant
            sync.utc = naming.utc
            pace.apply(to: &sync.engine)
            options.hours = sync
            options.hoursSeconds = Self.seconds(hoursEvery) ?? 600
        }
        return options
    }

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics on http://HOST:PORT/metrics and /healthz (200 while the websocket is connected).",
            valueName: "host:port"))
    var metricsAddress: String?
    @Flag(help: "Watch every console of the configuration file from this one process, each on its own.")
    var allConsoles = false

    static let drawsProgress = false

    func run() async throws { try await runAlone() }

    /// This command line's console as a unit of work. Beside other consoles, a watch that ends with an error (a
    /// refused login, a console gone) is reported and started again a minute later.
    func makeUnit(console: String?, reporter: Reporter, partFiles: PartFileRegistry) async throws -> ConsoleUnit {
        let logger = makeLogger(level: output.level)
        var options = self.options
        options.events.engine.partFiles = partFiles
        let (job, state) = try await JobStart.prepareWithState(
            dest, remote: remote, console: console, logger: logger
        ) { (target: ArchiveTarget) -> WatchJob in
            target.apply(to: &options.events.engine)
            if options.hours != nil {
                target.apply(to: &options.hours!.engine)
                options.hours!.engine.partFiles = partFiles
            }
            return WatchJob(options: options, logger: logger)
        } check: {
            _ = try $0.preflight()
        }
        let connection = self.connection
        let transfer = self.transfer
        let quiet = output.quiet
        let renderer = WatchRenderer(reporter: reporter, json: output.json, quiet: quiet, packets: output.verbose)
        let name = console ?? "default"
        let restartSeconds: Double? = console == nil ? nil : 60
        // Without --hours, a camera's clips come and go with its events: staleness is watched only when asked.
        let alerting = alerts.settings(
            defaultStale: options.hours == nil ? nil : 7200 + 2 * (options.hoursSeconds),
            localFolder: job.options.events.engine.remote == nil ? job.options.events.engine.destination : nil)
        var unit = ConsoleUnit(name: name, period: options.heartbeatSeconds, daemon: true) { metrics in
            try await AlertCenter.withCenter(
                console: name, settings: alerting, state: state, metrics: metrics, logger: logger
            ) { center in
                let service = WatchService(restartAfter: restartSeconds) {
                    try await connection.withClient(
                        logger: logger, transfer: transfer, quiet: quiet, console: console
                    ) { client in
                        try await job.run(client: client, state: state) { event in
                            metrics?.record(event, console: name)
                            center.watchEvent(event)
                            renderer.render(event)
                        }
                    }
                }
                do {
                    try await service.run { error, _ in
                        metrics?.passFailed(console: name, reason: errorText(error))
                        center.watchFailed(error)
                        reporter.emit("protect-dl: \(errorText(error)); starting again in 1 minute", toStderr: true)
                    }
                } catch {
                    if !(error is CancellationError) { center.watchFailed(error) }
                    throw error
                }
                return ConsoleUnit.Result()
            }
        }
        unit.onStopped = { signal in renderer.stopped(signal: signal) }
        return unit
    }
}
