import Logging
import ProtectAPI

/// Delivers a message through every channel at once, each retried with back-off; a channel that still fails is
/// logged and counted, and never stops anything else.
public struct AlertDispatcher: Sendable {
    public var channels: [any AlertChannel]
    /// How a failed delivery is tried again (default: 4 retries from 10 s, doubling, jittered, at most 5 minutes).
    public var retry: RetryPolicy
    public var logger: Logger
    /// Hears of each delivery's end: the channel's label and whether it was delivered.
    public var onResult: @Sendable (_ channel: String, _ delivered: Bool) -> Void = { _, _ in }

    public init(
        channels: [any AlertChannel], logger: Logger,
        retry: RetryPolicy = RetryPolicy(retries: 4, delay: 10, jitter: 0.2, maximumDelay: 300)
    ) {
        self.channels = channels
        self.retry = retry
        self.logger = logger
    }

    /// Sends `payload` through every channel; returns each channel's label and why it failed (nil: delivered).
    @discardableResult
    public func deliver(_ payload: AlertPayload, retrying: Bool = true) async -> [(channel: String, failure: String?)] {
        let policy = retrying ? retry : RetryPolicy(retries: 0, delay: 0, time: retry.time)
        let logger = self.logger
        let onResult = self.onResult
        return await withTaskGroup(of: (Int, String, String?).self) { group in
            for (index, channel) in channels.enumerated() {
                group.addTask {
                    do {
                        try await policy.run(
                            decide: { _, _ in .retry },
                            onRetry: { error, attempt, wait in
                                logger.warning(
                                    "alert not delivered (attempt \(attempt)); trying again in \(Int(wait)) s: \(ErrorText.sentence(error))"
                                )
                            }
                        ) { _ in try await channel.send(payload) }
                        onResult(channel.label, true)
                        return (index, channel.label, nil)
                    } catch {
                        if !(error is CancellationError) {
                            logger.error("alert not delivered: \(ErrorText.sentence(error))")
                        }
                        onResult(channel.label, false)
                        return (
                            index, channel.label, (error as? AlertChannelError)?.reason ?? ErrorText.sentence(error)
                        )
                    }
                }
            }
            var results: [(Int, String, String?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }
}
