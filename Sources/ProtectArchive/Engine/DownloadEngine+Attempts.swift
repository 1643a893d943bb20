import Foundation
import ProtectAPI
import Synchronization

extension DownloadEngine {
    /// Waits for the item's moment, then asks for it until `store` has it whole at its final name, it is empty, or
    /// it has failed for good. Retries follow `options.exportRetryPolicy`; an answer that refuses the export because
    /// of how many run is not one of the file's retries (the governor lowers the level and paces instead), up to
    /// `options.overloadRetries` times. `settle`, asked when the item fails for good, may give another outcome (a
    /// damaged recording kept short) and report it itself.
    func attempts(
        _ item: ExportItem, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void,
        settle: @Sendable (_ error: any Error, _ attempts: Int) async -> ItemResult? = { _, _ in nil },
        store: @escaping Store
    ) async throws -> ItemResult {
        let info = item.info
        let time = options.time
        if let notBefore = item.notBefore {
            let wait = Double(notBefore - options.clock.now()) / 1000
            if wait > 0 { try await time.sleep(wait) }
        }
        onEvent(.started(info))
        var overloaded = 0
        var lastWasOverload = false
        var lastAttempt = 0
        do {
            return try await options.exportRetryPolicy.run(
                decide: { error, _ in
                    if lastWasOverload && overloaded < options.overloadRetries {
                        overloaded += 1
                        return .retryUncounted
                    }
                    return Transience.isTransient(error, within: .export) ? .retry : .fail
                },
                onRetry: { error, attempt, _ in onEvent(.retrying(info, attempt: attempt, error: error)) },
                { attempt in
                    lastAttempt = attempt
                    lastWasOverload = false
                    do {
                        return try await once(
                            item, attempt: attempt, client: client, governor: governor, onEvent: onEvent, store: store)
                    } catch let failure as AttemptFailure {
                        lastWasOverload = failure.wasOverload
                        throw failure.error
                    }
                })
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            if let settled = await settle(error, lastAttempt) { return settled }
            onEvent(.failed(info, error: error, attempts: lastAttempt))
            return .failed(info.path, error)
        }
    }

    /// Stores an export's body at its target; the function it is handed says the console's part is done.
    typealias Store =
        @Sendable (ExportBody, _ consoleDone: @escaping @Sendable () async -> Void) async throws
        -> StoredFile

    /// A failed attempt, and whether the console refused it for how many exports ran.
    private struct AttemptFailure: Error {
        var error: any Error
        var wasOverload: Bool
    }

    /// One attempt: a slot from the governor, the export, and the governor told how it went.
    private func once(
        _ item: ExportItem, attempt: Int, client: ProtectClient, governor: ConcurrencyGovernor,
        onEvent: @Sendable (DownloadEvent) -> Void, store: @escaping Store
    ) async throws -> ItemResult {
        let info = item.info
        let time = options.time
        try await governor.acquire()
        // Whether the governor has its slot back: once, at the first of the console's part done or the attempt's end.
        let released = Mutex(false)
        @Sendable func firstRelease() -> Bool {
            released.withLock { was in
                defer { was = true }
                return !was
            }
        }
        let began = time.now()
        let streaming = Mutex(false)
        do {
            let outcome = try await client.withExport(item.request) { body in
                // The answer is in: the console's time to first byte, for the governor.
                streaming.withLock { $0 = true }
                await governor.streaming(after: time.now() - began)
                return try await store(body) {
                    guard firstRelease() else { return }
                    await governor.release(.success, lifetime: time.now() - began)
                }
            }
            switch outcome {
            case .noFootage(let reason):
                if firstRelease() { await governor.release(.success, streamed: streaming.withLock { $0 }) }
                onEvent(.noFootage(info, reason: reason))
                return .noFootage
            case .footage(let written):
                let seconds = time.now() - began
                if firstRelease() { await governor.release(.success, lifetime: seconds) }
                onEvent(
                    .downloaded(
                        info, bytes: written.bytes, seconds: seconds, attempts: attempt, sha256: written.sha256,
                        duration: written.duration))
                return .downloaded(written.bytes)
            }
        } catch {
            let streamed = streaming.withLock { $0 }
            var isOverload = false
            if firstRelease() {
                if let busy = error as? ProtectError, busy.kind == .consoleBusy, !streamed {
                    // "Too many exports" (or 429) is the console's concurrency speaking: a ceiling, and no retry
                    // spent. Other busy answers (502/503 while Protect restarts) only pause, and count.
                    isOverload = Self.isConcurrencyRefusal(status: busy.status ?? 0, reason: busy.reason ?? "")
                    await governor.release(
                        isOverload ? .overload(retryAfter: busy.retryAfter) : .busy(retryAfter: busy.retryAfter),
                        streamed: false)
                } else {
                    await governor.release(.other, streamed: streamed)
                }
            }
            throw AttemptFailure(error: error, wasOverload: isOverload)
        }
    }

    /// An answer that refuses an export because of how many run: 429, or a busy answer that says so.
    static func isConcurrencyRefusal(status: Int, reason: String) -> Bool {
        let text = reason.lowercased()
        return status == 429 || text.contains("too many") || text.contains("overload")
    }
}
