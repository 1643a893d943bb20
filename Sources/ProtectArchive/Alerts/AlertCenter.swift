import Logging
import ProtectAPI
import Synchronization

/// One console's alerts in a run: the tracker, kept in the archive's state after every change (a restart neither
/// loses an open alert nor raises it twice), and a sender that delivers in the background so that a slow or
/// failing channel never holds up the backup. Live only inside `withCenter`; its calls are synchronous (a
/// reporter's callback can make them) and safe from any task.
public final class AlertCenter: Sendable {
    public let console: String
    public let settings: AlertSettings
    let state: ArchiveState?
    let clock: WallClock
    let metrics: ArchiveMetrics?
    let logger: Logger
    let outbox: AsyncStream<AlertMessage>.Continuation
    /// The tracker, and whether a pass has completed in this run: only then is staleness judged (a first
    /// back-fill is not "stale").
    let inner: Mutex<(tracker: AlertTracker, passCompleted: Bool)>
    /// Held while a summary's schedule is read and moved on, so that two callers never send the same one.
    let summaryLock = Mutex(())

    init(
        console: String, settings: AlertSettings, state: ArchiveState?, clock: WallClock, metrics: ArchiveMetrics?,
        logger: Logger, outbox: AsyncStream<AlertMessage>.Continuation
    ) throws {
        self.console = console
        self.settings = settings
        self.state = state
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.outbox = outbox
        let records = try state?.alerts().filter { $0.key.console == console } ?? []
        inner = Mutex((AlertTracker(policy: settings.policy, records: records), false))
    }

    /// Runs `body` with a center for `console`: messages are delivered while it runs, conditions looked at again
    /// every `settings.tickEvery` (on `time`), and what is still being sent when it ends gets up to `drain`
    /// seconds more.
    public static func withCenter<T: Sendable>(
        console: String, settings: AlertSettings, state: ArchiveState?, metrics: ArchiveMetrics? = nil,
        logger: Logger, time: TimeSource = .system, drain: Double = 20,
        _ body: @Sendable (AlertCenter) async throws -> T
    ) async throws -> T {
        let (stream, outbox) = AsyncStream.makeStream(of: AlertMessage.self)
        let center = try AlertCenter(
            console: console, settings: settings, state: state, clock: state?.clock ?? .system, metrics: metrics,
            logger: logger, outbox: outbox)
        var dispatcher = AlertDispatcher(channels: settings.channels, logger: logger)
        dispatcher.onResult = { channel, delivered in
            metrics?.recordNotification(channel: channel, delivered: delivered)
        }
        let sender = dispatcher
        center.publishMetrics()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in stream {
                    logger.notice("alert \(message.phase.rawValue): \(AlertPayload(message).title)")
                    guard !sender.channels.isEmpty else { continue }
                    await sender.deliver(AlertPayload(message))
                }
            }
            let ticker = Task {
                while !Task.isCancelled {
                    do { try await time.sleep(settings.tickEvery) } catch { return }
                    center.tick()
                }
            }
            let result: T
            do {
                result = try await body(center)
            } catch {
                ticker.cancel()
                await ticker.value
                outbox.finish()
                await Self.drain(&group, within: drain, time: time)
                throw error
            }
            ticker.cancel()
            await ticker.value
            outbox.finish()
            await Self.drain(&group, within: drain, time: time)
            return result
        }
    }

    private static func drain(
        _ group: inout ThrowingTaskGroup<Void, any Error>, within seconds: Double, time: TimeSource
    )
        async
    {
        group.addTask {
            try? await time.sleep(seconds)
            throw CancellationError()
        }
        _ = try? await group.next()
        group.cancelAll()
        while (try? await group.next()) != nil {}
    }

    /// The conditions whose alert was sent and that have not recovered.
    public var open: [AlertRecord] { inner.withLock { $0.tracker.open } }

    /// A condition seen true or false now (a notice: seen happening).
    public func observe(_ key: AlertKey, active: Bool, detail: String, label: String? = nil) {
        let now = clock.now()
        update { $0.observe(key, active: active, detail: detail, label: label, now: now) }
    }

    /// A condition of this console (`subject` empty), seen true or false now.
    public func observe(_ kind: AlertKind, active: Bool, detail: String, subject: String = "", label: String? = nil) {
        observe(AlertKey(kind, console: console, subject: subject), active: active, detail: detail, label: label)
    }

    /// Raises what has lasted its grace, sends due reminders, and looks at the cameras again.
    public func tick() {
        if inner.withLock({ $0.passCompleted }) { checkCameras() }
        checkSpace()
        let now = clock.now()
        update { $0.tick(now: now) }
        checkSummary()
    }

    /// Changes the tracker, keeps what changed in the state (before sending: a crash between the two loses a
    /// message rather than sending it twice), and queues the messages.
    func update(_ change: (inout AlertTracker) -> [AlertMessage]) {
        let messages = inner.withLock { inner -> [AlertMessage] in
            let before = inner.tracker.records
            let messages = change(&inner.tracker)
            let after = inner.tracker.records
            let changed = after.values.filter { before[$0.key] != $0 }
            let removed = before.keys.filter { after[$0] == nil }
            guard !changed.isEmpty || !removed.isEmpty else { return messages }
            do {
                try state?.saveAlerts(changed, removing: removed)
            } catch {
                logger.error("cannot keep the alerts in the state: \(ErrorText.sentence(error))")
            }
            return messages
        }
        guard !messages.isEmpty else { return }
        for message in messages { outbox.yield(message) }
        publishMetrics()
    }

    func publishMetrics() {
        guard let metrics else { return }
        var counts: [String: Int] = [:]
        for kind in AlertKind.allCases where !kind.isNotice { counts[kind.rawValue] = 0 }
        for record in open { counts[record.key.kind.rawValue, default: 0] += 1 }
        metrics.setOpenAlerts(counts, console: console)
    }
}
