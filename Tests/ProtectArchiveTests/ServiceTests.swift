import Foundation
import Logging
import ProtectAPI
import Synchronization
import TestSupport
import Testing

@testable import ProtectArchive

@Suite("The daemons' loops in the library: watch restarts and the several-consoles supervisor")
struct ServiceTests {
    let refused = ProtectError.loginFailed(status: 401, reason: "Invalid username or password")

    @Test("Beside other consoles, a watch that fails is reported and started again after its pause")
    func watchRestarts() async throws {
        let time = MovedTime()
        let sessions = Mutex(0)
        let heard = Mutex<[Double]>([])
        var service = WatchService(restartAfter: 60) {
            let number = sessions.withLock {
                $0 += 1
                return $0
            }
            if number < 3 { throw ProtectError.loginFailed(status: 401, reason: "Invalid username or password") }
        }
        service.time = time.source
        try await service.run { error, after in
            #expect((error as? ProtectError)?.kind == .loginFailed)
            heard.withLock { $0.append(after) }
        }
        #expect(sessions.withLock { $0 } == 3)
        #expect(heard.withLock { $0 } == [60, 60])
        #expect(time.sleeps == [60, 60])
    }

    @Test("Alone, a watch's failure ends the service with that failure")
    func watchAloneFails() async throws {
        let time = MovedTime()
        var service = WatchService(restartAfter: nil) {
            throw ProtectError.loginFailed(status: 401, reason: "Invalid username or password")
        }
        service.time = time.source
        await #expect(throws: refused) { try await service.run { _, _ in Issue.record("no restart alone") } }
        #expect(time.sleeps.isEmpty)
    }

    @Test("With several consoles one that fails is reported and the others' results stand")
    func supervisorKeepsOthers() async throws {
        let failed = Mutex<[String]>([])
        let units = [
            ConsoleUnit(name: "good", period: nil) { _ in ConsoleUnit.Result(failedItems: 2) },
            ConsoleUnit(name: "bad", period: nil) { _ in
                throw ProtectError.loginFailed(status: 401, reason: "Invalid username or password")
            },
        ]
        let supervisor = ConsoleSupervisor(units: units, metricsAddress: nil, logger: Logger(label: "test"))
        let results = try await supervisor.run { name, _ in failed.withLock { $0.append(name) } }
        #expect(failed.withLock { $0 } == ["bad"])
        #expect(results.compactMap { try? $0.get() } == [ConsoleUnit.Result(failedItems: 2)])
        #expect(results.filter { (try? $0.get()) == nil }.count == 1)
    }

    @Test("Alone, a unit's failure is the run's")
    func supervisorAloneThrows() async throws {
        let supervisor = ConsoleSupervisor(
            units: [
                ConsoleUnit(name: "only", period: nil) { _ in
                    throw ProtectError.loginFailed(status: 401, reason: "Invalid username or password")
                }
            ], metricsAddress: nil, logger: Logger(label: "test"))
        await #expect(throws: refused) { _ = try await supervisor.run { _, _ in Issue.record("not beside others") } }
    }

    @Test("A sync pass's outcome maps to the metrics: ok, failed hours, or the failure's sentence")
    func passMetrics() {
        let tick = Mutex<Int64>(0)
        let metrics = ArchiveMetrics(
            clock: WallClock {
                tick.withLock {
                    $0 += 1000
                    return $0
                }
            })
        metrics.register(console: "c", period: 300)
        // The first pass (a long first back-fill) is running: healthy, and said so.
        #expect(metrics.problems().isEmpty)
        #expect(metrics.notes() == ["c: first pass running"])
        var report = SyncReport()
        metrics.record(.completed(report), console: "c")
        #expect(metrics.notes().isEmpty)
        #expect(metrics.exposition().contains(#"protect_dl_passes_total{console="c",result="ok"} 1"#))
        report.summary.failed = 2
        metrics.record(.completed(report), console: "c")
        metrics.record(.failed(refused, willRetry: true), console: "c")
        #expect(metrics.exposition().contains(#"protect_dl_passes_total{console="c",result="failed"} 2"#))
        #expect(metrics.problems().contains { $0.contains("Invalid username or password") })
    }
}
