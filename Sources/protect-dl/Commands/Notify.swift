import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl notify`: the alert channels.
struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check where alerts go.", subcommands: [Test.self])

    /// `protect-dl notify test`: a test message through every configured channel.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test message through every configured channel and say which worked.",
            discussion: """
                Takes the alert options of sync, watch and verify (--notify, --webhook, --ntfy, --on-alert), from \
                the command line, PROTECT_DL_* variables or the configuration file (--console NAME for a console's \
                section). Each channel is tried once, without retries. Exit 0 when every channel took the \
                message, 18 when one did not, 64 when none is configured.
                """)

        @OptionGroup(title: "Alerts") var alerts: NotifyOptionGroup
        @OptionGroup var output: OutputOptionGroup

        func run() async throws {
            let channels = alerts.channels
            guard !channels.isEmpty else {
                throw fail(
                    ValidationError("No alert channel is configured: add --notify, --webhook, --ntfy or --on-alert."))
            }
            let now = WallClock.system.now()
            let record = AlertRecord(
                key: AlertKey(.passFailing, console: "default", subject: "test"), since: now,
                detail: "protect-dl test message. If you read this, alerts reach you here.")
            var payload = AlertPayload(AlertMessage(phase: .test, record: record, at: now))
            payload.kind = "test"
            // Each failure is printed below; the log says it only when asked (-v).
            let dispatcher = AlertDispatcher(
                channels: channels, logger: makeLogger(level: output.verbose ? output.level : "critical"))
            let results = await dispatcher.deliver(payload, retrying: false)
            for result in results {
                Console.write(
                    result.failure.map { "failed     \(result.channel): \($0)" } ?? "delivered  \(result.channel)",
                    to: .standardOutput)
            }
            let failed = results.filter { $0.failure != nil }.count
            Console.write(
                "\(results.count - failed) of \(results.count) channels took the test message", to: .standardOutput)
            if failed > 0 { throw ExitCode(ExitStatus.notifyFailed.rawValue) }
        }
    }
}
