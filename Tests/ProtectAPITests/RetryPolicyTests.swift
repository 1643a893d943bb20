import AsyncHTTPClient
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ProtectAPI

extension MovedTime {
    /// This clock as the time source the library takes.
    var source: TimeSource { TimeSource(now: now, sleep: sleep) }
}

/// Fails `failures` times with `error`, then returns the attempt number.
final class Flaky: Sendable {
    private let calls = Mutex(0)
    let failures: Int
    let error: any Error

    init(failures: Int, error: any Error) {
        self.failures = failures
        self.error = error
    }

    var count: Int { calls.withLock { $0 } }

    func call(_ number: Int) throws -> Int {
        let call = calls.withLock {
            $0 += 1
            return $0
        }
        if call <= failures { throw error }
        return number
    }
}

@Suite("The one retry policy, in moved time")
struct RetryPolicyTests {
    let busy = ProtectError.consoleBusy(status: 503, reason: "restarting", retryAfter: nil)

    @Test("Doubling waits between attempts until one succeeds; the attempt numbers count on")
    func doublingUntilSuccess() async throws {
        let time = MovedTime()
        let policy = RetryPolicy(retries: 3, delay: 1, time: time.source)
        let flaky = Flaky(failures: 3, error: busy)
        let result = try await policy.run(retryingWithin: .request) { try flaky.call($0) }
        #expect(result == 4)
        #expect(flaky.count == 4)
        #expect(time.sleeps == [1, 2, 4])
    }

    @Test("When the retries are spent the last failure is thrown, after exactly that many waits")
    func retriesSpent() async throws {
        let time = MovedTime()
        let policy = RetryPolicy(retries: 2, delay: 0.5, time: time.source)
        let flaky = Flaky(failures: 10, error: busy)
        await #expect(throws: busy) { _ = try await policy.run(retryingWithin: .request) { try flaky.call($0) } }
        #expect(flaky.count == 3)
        #expect(time.sleeps == [0.5, 1])
    }

    @Test("A failure that is not transient is thrown at once, without a wait")
    func finalAtOnce() async throws {
        let time = MovedTime()
        let refused = ProtectError.loginFailed(status: 401, reason: "Invalid username or password")
        let flaky = Flaky(failures: 1, error: refused)
        await #expect(throws: refused) {
            _ = try await RetryPolicy(retries: 5, delay: 1, time: time.source).run(retryingWithin: .laterPass) {
                try flaky.call($0)
            }
        }
        #expect(flaky.count == 1)
        #expect(time.sleeps.isEmpty)
    }

    @Test("The console's Retry-After is honoured as a floor, itself capped, or in place of the computed wait")
    func retryAfter() {
        let long = ProtectError.consoleBusy(status: 429, reason: "slow down", retryAfter: 30)
        let short = ProtectError.consoleBusy(status: 429, reason: "slow down", retryAfter: 0.5)
        let floor = RetryPolicy(retries: 3, delay: 1, retryAfter: .atLeast(ceiling: 10))
        #expect(floor.delay(beforeRetry: 1, after: long) == 10)
        #expect(floor.delay(beforeRetry: 1, after: short) == 1)
        #expect(floor.delay(beforeRetry: 3, after: short) == 4)
        let ignored = RetryPolicy(retries: 3, delay: 1)
        #expect(ignored.delay(beforeRetry: 1, after: long) == 1)
        // A rate-limited login: the console's wait, else 10 s more each time; never past the ceiling.
        let login = RetryPolicy(
            retries: 3, delay: 10, growth: .linear(steps: .max), retryAfter: .instead, maximumDelay: 25)
        #expect(login.delay(beforeRetry: 1, after: ProtectError.loginRateLimited(retryAfter: 7)) == 7)
        #expect(login.delay(beforeRetry: 1, after: ProtectError.loginRateLimited(retryAfter: nil)) == 10)
        #expect(login.delay(beforeRetry: 2, after: ProtectError.loginRateLimited(retryAfter: nil)) == 20)
        #expect(login.delay(beforeRetry: 3, after: ProtectError.loginRateLimited(retryAfter: nil)) == 25)
        #expect(login.delay(beforeRetry: 1, after: ProtectError.loginRateLimited(retryAfter: 90)) == 25)
        // An event image: linear, at most four steps.
        let image = RetryPolicy(retries: 5, delay: 1, growth: .linear(steps: 4))
        #expect((1...6).map { image.delay(beforeRetry: $0, after: nil) } == [1, 2, 3, 4, 4, 4])
    }

    @Test("Jitter is seeded: the same seed gives the same waits, within the spread; another seed others")
    func seededJitter() {
        func waits(_ seed: UInt64) -> [Double] {
            let policy = RetryPolicy(retries: 8, delay: 2, jitter: 0.2, seed: seed)
            return (1...8).map { policy.delay(beforeRetry: $0, after: nil) }
        }
        #expect(waits(42) == waits(42))
        #expect(waits(42) != waits(43))
        for (index, wait) in waits(7).enumerated() {
            let base = 2 * pow(2, Double(index))
            #expect(wait >= base * 0.8 && wait <= base * 1.2)
        }
    }

    @Test("An uncounted retry neither waits nor uses up a retry, and keeps the attempt's number")
    func uncounted() async throws {
        let time = MovedTime()
        let policy = RetryPolicy(retries: 1, delay: 1, time: time.source)
        let flaky = Flaky(failures: 4, error: busy)
        let numbers = Mutex<[Int]>([])
        let result = try await policy.run(
            decide: { _, attempt in attempt == 1 && flaky.count < 4 ? .retryUncounted : .retry },
            { number in
                numbers.withLock { $0.append(number) }
                return try flaky.call(number)
            })
        #expect(numbers.withLock { $0 } == [1, 1, 1, 1, 2])
        #expect(result == 2)
        #expect(time.sleeps == [1])
    }

    @Test("Cancellation is never retried")
    func cancellation() async throws {
        let time = MovedTime()
        let flaky = Flaky(failures: 5, error: CancellationError())
        await #expect(throws: CancellationError.self) {
            _ = try await RetryPolicy(retries: 5, delay: 1, time: time.source).run(
                decide: { _, _ in .retry }, { try flaky.call($0) })
        }
        #expect(flaky.count == 1)
    }

    @Test("One classification: what a request, an export and a later pass may try again")
    func classification() {
        let cases: [(ProtectError, request: Bool, export: Bool, laterPass: Bool)] = [
            (.network(reason: "reset"), true, true, true),
            (busy, true, true, true),
            (.httpError(status: 500, reason: "x", request: "GET x"), true, true, true),
            (.httpError(status: 408, reason: "x", request: "GET x"), true, true, true),
            (.httpError(status: 401, reason: "x", request: "the export"), false, true, true),
            (.httpError(status: 429, reason: "x", request: "the export"), false, true, true),
            (.httpError(status: 404, reason: "x", request: "GET x"), false, false, true),
            (.unexpectedContent(contentType: "an HTML page", request: "GET x"), false, true, true),
            (.loginRateLimited(retryAfter: nil), false, false, true),
            (.connectionFailed(.refused, host: "h", port: 1), false, false, true),
            (.loginFailed(status: 401, reason: "no"), false, false, false),
            (.certificateRejected(reason: "pin"), false, false, false),
            (.invalidResponse(reason: "json"), false, false, false),
        ]
        for (error, request, export, laterPass) in cases {
            #expect(Transience.isTransient(error, within: .request) == request, "\(error)")
            #expect(Transience.isTransient(error, within: .export) == export, "\(error)")
            #expect(Transience.isTransient(error, within: .laterPass) == laterPass, "\(error)")
        }
        #expect(!Transience.isTransient(CancellationError(), within: .export))
    }

    @Test("A transport failure keeps the transport's own error beneath the sentence")
    func keepsCause() {
        let translated = Transport.translate(HTTPClientError.readTimeout)
        let error = try? #require(translated as? ProtectError)
        #expect(error?.kind == .network)
        #expect(error?.underlying is HTTPClientError)
        #expect(error?.errorDescription?.contains("read timeout") == true)
        // Equal when they say the same, whatever lies beneath.
        #expect(ProtectError.network(reason: "a", underlying: HTTPClientError.cancelled) == .network(reason: "a"))
    }
}
