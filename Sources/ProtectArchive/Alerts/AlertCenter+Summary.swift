import Foundation
import ProtectAPI

extension AlertCenter {
    /// The state's key for when this console's next summary is due: `daily:` or `weekly:` and milliseconds.
    var summaryKey: String { "alert.summary.next." + console }

    /// The console's time zone as the state knows it (UTC before the first pass).
    var consoleZone: TimeZone {
        (try? state?.meta("timezone")).flatMap { $0 }.flatMap { TimeZone(identifier: $0) }
            ?? TimeZone(identifier: "UTC")!
    }

    /// Sends the summary when one is due. Its schedule lives in the state: the first look only sets the next
    /// boundary (midnight, or Monday's, in the console's time zone); a look past it sends one summary of the period
    /// that ended there and sets the next boundary after now, so that a restart neither skips a summary nor sends
    /// it twice, and a run that was stopped for days sends one, not one per day missed.
    public func checkSummary() {
        guard let schedule = settings.summary, let state else { return }
        let now = clock.now()
        let zone = consoleZone
        let due: Int64? = summaryLock.withLock { _ in
            let stored = (try? state.meta(summaryKey)) ?? nil
            let parts = stored?.split(separator: ":")
            let next: Int64?
            if let parts, parts.count == 2, parts[0] == schedule.rawValue { next = Int64(parts[1]) } else { next = nil }
            guard let next, now < next else {
                // Kept before sending: a crash in between loses one summary rather than sending it twice.
                let following = schedule.next(after: now, in: zone)
                do {
                    try state.setMeta(summaryKey, "\(schedule.rawValue):\(following)")
                } catch {
                    logger.error("cannot keep the summary's schedule in the state: \(ErrorText.sentence(error))")
                    return nil
                }
                return next
            }
            return nil
        }
        guard let due else { return }
        // Days missed while nothing ran: one summary, of the last whole period.
        let end = max(due, schedule.next(after: now, in: zone) - schedule.length)
        let start = end - schedule.length
        do {
            let summary = try summary(schedule, from: start, to: end)
            let record = AlertRecord(
                key: AlertKey(.passFailing, console: console, subject: schedule.rawValue), since: start,
                detail: summary.text(from: start, to: end, in: zone))
            outbox.yield(AlertMessage(phase: .summary, record: record, at: now, summary: summary))
        } catch {
            logger.error("cannot put the summary together: \(ErrorText.sentence(error))")
        }
    }

    /// The figures of the period from `start` up to `end`.
    func summary(_ schedule: SummarySchedule, from start: Int64, to end: Int64) throws -> AlertSummary {
        guard let state else { throw CancellationError() }
        let counts = try state.periodCounts(from: start, to: end)
        let cameras = try state.cameraFootage().map { camera in
            let count = counts[camera.cameraID] ?? (0, 0, 0)
            return AlertSummary.Camera(
                id: camera.cameraID, name: camera.name, hoursSaved: count.saved, hoursMissing: count.missing,
                clipsSaved: count.clips, newest: camera.newest.map(AlertPayload.iso),
                newestMilliseconds: camera.newest)
        }
        let bytes = try state.streamSummaries().map(\.bytes).reduce(0, +)
        let free = settings.freeSpaceFolder.flatMap { FreeSpace.of($0.path) }?.available
        let open = self.open.map { AlertPayload(AlertMessage(phase: .raised, record: $0, at: end)).title }
        return AlertSummary(
            period: schedule.rawValue, from: AlertPayload.iso(start), to: AlertPayload.iso(end), cameras: cameras,
            archiveBytes: bytes, freeBytes: free, openAlerts: open)
    }
}
