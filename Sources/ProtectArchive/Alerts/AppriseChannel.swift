import Foundation
import ProtectAPI

/// One apprise URL (mail, Telegram, ntfy, Discord, …) delivered by the `apprise` command: the URL goes in
/// `APPRISE_URLS` (never on a command line others can read), the title and body as arguments.
public struct AppriseChannel: AlertChannel {
    public var url: String
    /// The `apprise` executable (looked up in `PATH` without a slash).
    public var executable: String
    public var timeout: Double
    public var time: TimeSource

    public init(url: String, executable: String = "apprise", timeout: Double = 60, time: TimeSource = .system) {
        self.url = url
        self.executable = executable
        self.timeout = timeout
        self.time = time
    }

    public var label: String { "apprise \(SecretText.url(url))" }

    public func send(_ payload: AlertPayload) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["APPRISE_URLS"] = url
        do {
            try await ChildRun.run(
                [executable, "--title", payload.title, "--body", payload.message], environment: environment,
                input: nil, timeout: timeout, time: time, label: label)
        } catch let error as AlertChannelError where error.reason.hasPrefix("cannot start") {
            throw AlertChannelError(
                channel: label, reason: "the apprise command is not installed (pip install apprise), or not in PATH")
        }
    }
}
