import Foundation
import NIOCore
import ProtectAPI

/// `--on-alert CMD`: runs `CMD` with `/bin/sh -c`, the alert in `PROTECT_DL_ALERT_*` variables and the payload's
/// JSON on stdin; exit 0 means delivered. A command still running after `timeout` is stopped and counts as failed.
public struct CommandChannel: AlertChannel {
    public var command: String
    public var timeout: Double
    public var time: TimeSource

    public init(command: String, timeout: Double = 60, time: TimeSource = .system) {
        self.command = command
        self.timeout = timeout
        self.time = time
    }

    /// The command's first word only (its arguments may hold a token).
    public var label: String { "command \(command.split(separator: " ").first.map(String.init) ?? "")" }

    /// The variables the command gets.
    public static func environment(_ payload: AlertPayload) -> [String: String] {
        [
            "PROTECT_DL_ALERT_SCHEMA": payload.schema, "PROTECT_DL_ALERT_EVENT": payload.event,
            "PROTECT_DL_ALERT_KIND": payload.kind, "PROTECT_DL_ALERT_CONSOLE": payload.console,
            "PROTECT_DL_ALERT_SUBJECT": payload.subject, "PROTECT_DL_ALERT_CAMERA": payload.camera ?? "",
            "PROTECT_DL_ALERT_TITLE": payload.title, "PROTECT_DL_ALERT_MESSAGE": payload.message,
            "PROTECT_DL_ALERT_SINCE": payload.since, "PROTECT_DL_ALERT_AT": payload.at,
            "PROTECT_DL_ALERT_DURATION": String(payload.durationSeconds),
        ]
    }

    public func send(_ payload: AlertPayload) async throws {
        let environment = ProcessInfo.processInfo.environment.merging(Self.environment(payload)) { _, new in new }
        try await ChildRun.run(
            ["/bin/sh", "-c", command], environment: environment, input: payload.json(), timeout: timeout, time: time,
            label: label)
    }
}

/// Runs a child to its end within a time limit; a non-zero exit is a failure naming the last line it printed.
enum ChildRun {
    static func run(
        _ arguments: [String], environment: [String: String], input: Data?, timeout: Double, time: TimeSource,
        label: String
    ) async throws {
        let child: ChildProcess
        do {
            child = try await ChildProcess.start(arguments, environment: environment, stdin: input != nil)
        } catch {
            throw AlertChannelError(channel: label, reason: "cannot start \(arguments[0])")
        }
        if let input {
            try? await child.write(ByteBuffer(data: input))
            child.closeInput()
        }
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await child.wait() }
            group.addTask {
                try? await time.sleep(timeout)
                return nil
            }
            let first = await group.next() ?? nil
            if first == nil { child.terminateOnce() }
            group.cancelAll()
            return first
        }
        guard let status else {
            _ = await child.wait()
            throw AlertChannelError(channel: label, reason: "it was still running after \(Int(timeout)) s")
        }
        guard status == 0 else {
            let last = child.errorText().split(separator: "\n").last.map { String($0.prefix(200)) }
            throw AlertChannelError(
                channel: label, reason: "it exited with \(status)" + (last.map { ": \($0)" } ?? ""))
        }
    }
}
