import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `protect-dl events`: list or download the clips of motion, smart-detection and ring events.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or download the clips of the events (motion, smart detections, rings) in a time range.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var rules: EventRulesOptionGroup
    @OptionGroup var range: TimeRangeOptionGroup
    @Option(help: "Wait up to this many seconds for events still running (default: skip them).")
    var waitRunning: Double?
    @Flag(help: "List the events instead of downloading them (with --json, one object per event).")
    var list = false
    @Option(help: "Destination folder (must exist), or an rclone remote (remote:path).")
    var dest = "."
    @OptionGroup var remote: RemoteOptionGroup
    @OptionGroup var stream: StreamOptionGroup
    @OptionGroup var naming: NamingOptionGroup
    @OptionGroup var engine: EngineOptionGroup
    @OptionGroup var transfer: TransferOptionGroup
    @OptionGroup var output: OutputOptionGroup

    func validate() throws {
        try connection.require()
        try checkSelection(cameras: rules.cameras, dest: dest)
        try engine.check(dest: dest)
        guard (waitRunning ?? 0) >= 0 else { throw ValidationError("--wait-running cannot be negative.") }
    }

    var options: EventOptions {
        var options = EventOptions(
            startText: range.texts.start, endText: range.texts.end, destination: URL(fileURLWithPath: dest))
        rules.apply(to: &options)
        options.waitForRunning = waitRunning
        options.variant = stream.variant
        options.template = naming.outputTemplate
        options.utc = naming.utc
        engine.apply(to: &options.engine)
        return options
    }

    func run() async throws {
        let reporter = Reporter(json: output.json, quiet: output.quiet)
        var options = self.options
        options.engine.onBytes = reporter.addBytes
        if list {
            try await listEvents(
                EventJob(options: options, logger: makeLogger(level: output.level)), reporter: reporter)
            return
        }
        let logger = makeLogger(level: output.level)
        let (job, _) = try await JobStart.prepare(dest, remote: remote, logger: logger) {
            (target: ArchiveTarget) -> EventJob in
            target.apply(to: &options.engine)
            return EventJob(options: options, logger: logger)
        } check: {
            try $0.preflight()
        }
        try await JobRunner.run(
            connection: connection, transfer: transfer, output: output, reporter: reporter,
            partFiles: options.engine.partFiles
        ) { client in
            try await job.run(client: client, onEvent: reporter.handle)
        }
    }

    func listEvents(_ job: EventJob, reporter: Reporter) async throws {
        let logger = makeLogger(level: output.level)
        let plan: EventPlan
        do {
            try job.preflight(listOnly: true)
            plan = try await connection.withClient(logger: logger, quiet: output.quiet) { client in
                try await job.plan(client: client) { event in
                    if case .zoneAssumed(let zone) = event {
                        reporter.emit(
                            "Times without an offset are read in the console's time zone, \(zone).", toStderr: true)
                    }
                }
            }
        } catch {
            throw fail(error)
        }
        let zone = plan.zone
        if output.json {
            for event in plan.events {
                var object: [String: JSONValue] = [
                    "id": .string(event.id), "type": .string(event.type),
                    "start": .string(TimeFormatting.iso(event.start)),
                    "score": .int(Int64(event.score)),
                    "smartDetectTypes": .strings(event.smartDetectTypes),
                ]
                object["end"] = event.end.map { .string(TimeFormatting.iso($0)) } ?? .null
                object["cameraId"] = event.camera.map { .string($0) } ?? .null
                object["camera"] = event.camera.flatMap { plan.cameras[$0] }.map { .string($0.name) } ?? .null
                reporter.emitJSON(object)
                if reporter.outputClosed { throw ExitCode(ExitStatus.outputClosed.rawValue) }
            }
            return
        }
        let rows = plan.events.map { event -> [String] in
            [
                Table.time(event.start, in: zone), event.end.map { Table.time($0, in: zone) } ?? "running",
                event.camera.map { plan.cameras[$0]?.name ?? $0 } ?? "-", event.type,
                event.smartDetectTypes.isEmpty ? "-" : event.smartDetectTypes.joined(separator: ","),
                String(event.score), event.id,
            ]
        }
        let table = Table.render(["START", "END", "CAMERA", "TYPE", "SMART", "SCORE", "ID"], rows)
        guard
            Console.write(
                table + "\(plan.events.count) events, \(plan.clips.count) clips to download", to: .standardOutput)
        else { throw ExitCode(ExitStatus.outputClosed.rawValue) }
    }
}
