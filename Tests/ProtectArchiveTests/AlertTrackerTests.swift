import Testing

@testable import ProtectArchive

@Suite("Alert tracker: one alert when a condition has lasted, one recovery, reminders at most as asked")
struct AlertTrackerTests {
    let down = AlertKey(.consoleUnreachable, console: "home")
    let minute: Int64 = 60_000

    @Test("A console down for a weekend is an alert, two reminders and a recovery, whatever is observed meanwhile")
    func weekendOutage() {
        var tracker = AlertTracker(policy: AlertPolicy(grace: [.consoleUnreachable: 600], remindEvery: 86_400))
        var sent: [AlertMessage.Phase] = []
        var now: Int64 = 0
        // Observed every minute (a pass every minute, and the center's ticks) for 60 hours.
        while now <= 60 * 60 * minute {
            sent += tracker.observe(down, active: true, detail: "cannot connect", now: now).map(\.phase)
            sent += tracker.tick(now: now).map(\.phase)
            now += minute
        }
        sent += tracker.observe(down, active: false, detail: "", now: now).map(\.phase)
        #expect(sent == [.raised, .reminder, .reminder, .recovered])
        #expect(tracker.records.isEmpty)
    }

    @Test("Raised only once the grace has passed; a condition that clears before is never heard of")
    func grace() {
        var tracker = AlertTracker(policy: AlertPolicy(grace: [.consoleUnreachable: 600]))
        #expect(tracker.observe(down, active: true, detail: "x", now: 0).isEmpty)
        #expect(tracker.tick(now: 9 * minute).isEmpty)
        #expect(tracker.observe(down, active: false, detail: "", now: 9 * minute).isEmpty)
        #expect(tracker.observe(down, active: true, detail: "x", now: 20 * minute).isEmpty)
        let raised = tracker.tick(now: 30 * minute)
        #expect(raised.map(\.phase) == [.raised])
        #expect(raised.first?.record.since == 20 * minute)
        #expect(tracker.open.map(\.key) == [down])
        let recovered = tracker.observe(down, active: false, detail: "", now: 45 * minute)
        #expect(recovered.map(\.phase) == [.recovered])
        #expect(AlertPayload(recovered[0]).durationSeconds == 25 * 60)
    }

    @Test("A kind seen only at passes is raised by a failed pass after its grace, never by the clock alone")
    func confirmedByPass() {
        var tracker = AlertTracker(
            policy: AlertPolicy(grace: [.consoleUnreachable: 600], confirmed: [.consoleUnreachable]))
        #expect(tracker.observe(down, active: true, detail: "x", now: 0).isEmpty)
        #expect(tracker.tick(now: 59 * minute).isEmpty)
        #expect(tracker.observe(down, active: true, detail: "x", now: 60 * minute).map(\.phase) == [.raised])
    }

    @Test("Without a reminder interval an open alert stays silent; a notice is sent once per detail")
    func remindersAndNotices() {
        var tracker = AlertTracker(policy: AlertPolicy(remindEvery: nil))
        #expect(tracker.observe(down, active: true, detail: "x", now: 0).map(\.phase) == [.raised])
        #expect(tracker.tick(now: 30 * 86_400_000).isEmpty)
        let added = AlertKey(.cameraAdded, console: "home", subject: "cam9")
        #expect(tracker.observe(added, active: true, detail: "Yard appeared", now: 0).map(\.phase) == [.notice])
        #expect(tracker.observe(added, active: true, detail: "Yard appeared", now: minute).isEmpty)
        #expect(tracker.observe(added, active: false, detail: "", now: minute).isEmpty)
        #expect(!tracker.open.contains { $0.key == added })
    }

    @Test("A check of all cameras clears the conditions of those it no longer finds wrong")
    func clearUnseen() {
        var tracker = AlertTracker(policy: AlertPolicy())
        let a = AlertKey(.cameraStale, console: "home", subject: "a")
        let b = AlertKey(.cameraStale, console: "home", subject: "b")
        _ = tracker.observe(a, active: true, detail: "old", now: 0)
        _ = tracker.observe(b, active: true, detail: "old", now: 0)
        let cleared = tracker.clear(where: { $0.kind == .cameraStale }, except: [b], now: minute)
        #expect(cleared.map(\.record.key) == [a] && cleared.map(\.phase) == [.recovered])
    }

    @Test("Free space thresholds read as a share or a size; a disk below one is low")
    func freeSpace() throws {
        #expect(FreeSpace.Minimum("5%") == .fraction(0.05))
        #expect(
            FreeSpace.Minimum("20G") == .bytes(20_000_000_000) || FreeSpace.Minimum("20G") == .bytes(21_474_836_480))
        #expect(FreeSpace.Minimum("lots") == nil)
        let space = try #require(FreeSpace.of("/tmp"))
        #expect(space.total > 0 && space.available <= space.total)
        #expect(space.isBelow(.bytes(space.available + 1)) && !space.isBelow(.bytes(0)))
        #expect(!FreeSpace(available: 10, total: 100).isBelow(.fraction(0.05)))
        #expect(FreeSpace(available: 4, total: 100).isBelow(.fraction(0.05)))
    }

    @Test("Secrets in notification URLs are hidden")
    func secretURLs() {
        #expect(SecretText.url("https://user:pw@hooks.example/T0/B1/XYZ?x=1") == "https://***@hooks.example/***")
        #expect(SecretText.url("https://ntfy.sh/my-secret-topic") == "https://ntfy.sh/***")
        #expect(SecretText.url("tgram://123456:ABCDEF/987") == "tgram://***")
        #expect(SecretText.url("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
    }
}
