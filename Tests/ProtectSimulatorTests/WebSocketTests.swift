import Foundation
import NIOCore
import NIOPosix
import ProtectSimulator
import Synchronization
import TestSupport
import Testing

@Suite("The live console: events, the private websocket and its faults")
struct WebSocketTests {
    /// A console whose websocket carries only what a test causes (no regular NVR/camera updates).
    static func quiet() -> SimulatorConfiguration {
        var configuration = Harness.configuration()
        configuration.live.heartbeatSeconds = 0
        return configuration
    }

    static func ends(_ packets: [DecodedPacket], of ids: [String]) -> Bool {
        Set(ids).isSubset(of: Set(packets.filter { $0.kind == "update event" && $0.data["end"] != nil }.map(\.id)))
    }

    @Test("An event's lifecycle on the socket: add, linked smart detection, end; a ring; one announced closed")
    func lifecycle() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let before = try await h.lastUpdateID(cookie: cookie)
            let started = LockedBox<[StartedEvent]>([])
            let session = await h.listen(
                cookie: cookie, lastUpdateID: before,
                during: {
                    let camera = await h.firstCamera()
                    started.append(
                        try await h.startEvent(
                            #"{"type":"motion","seconds":1.5,"linkedSmartDetection":true,"suffixedID":true}"#))
                    started.append(try await h.startEvent(#"{"type":"ring","camera":"\#(camera.id)"}"#))
                    started.append(
                        try await h.startEvent(
                            #"{"type":"smartDetectZone","smartDetectTypes":["person"],"seconds":0.5,"closedOnAdd":true}"#
                        ))
                },
                until: { packets in
                    // Three ends (motion, its smart detection, the ring), the closed add, and motion over.
                    packets.filter { $0.kind == "update event" && $0.data["end"] != nil }.count >= 3
                        && packets.contains { $0.kind == "add event" && $0.data["end"] != nil }
                        && packets.contains {
                            $0.kind == "update camera" && $0.data["isMotionDetected"] as? Bool == false
                        }
                })
            #expect(session.error == nil)
            let events = started.value
            try #require(events.count == 3)
            let motion = events[0]
            let motionID = motion.id
            let camera = motion.camera
            let socketID = "\(motionID)-\(camera)"
            #expect(motion.socketId == socketID)
            let packets = session.packets
            // The motion event: an open add, a camera update, the linked smart detection, then its end.
            let add = try #require(packets.firstIndex { $0.kind == "add event" && $0.id == socketID })
            #expect(packets[add].data["end"] == nil)
            #expect(packets[add].data["type"] as? String == "motion")
            #expect(packets[add].data["id"] as? String == socketID)
            let linkedID = try #require(motion.linkedId)
            let link = try #require(
                packets.firstIndex {
                    $0.kind == "update event" && $0.id == socketID && $0.data["smartDetectEvents"] != nil
                })
            #expect(packets[link].data["smartDetectEvents"] as? [String] == [linkedID])
            let end = try #require(
                packets.firstIndex { $0.kind == "update event" && $0.id == socketID && $0.data["end"] != nil })
            #expect(add < link && link < end)
            #expect(
                packets.contains {
                    $0.kind == "update camera" && $0.id == camera && $0.data["isMotionDetected"] as? Bool == true
                })
            // The ring ends (start + 1 s) right after its add.
            let ringID = events[1].socketId
            let ringAdd = try #require(packets.first { $0.kind == "add event" && $0.id == ringID })
            let ringEnd = try #require(packets.first { $0.kind == "update event" && $0.id == ringID })
            let ringStart = try #require((ringAdd.data["start"] as? NSNumber)?.int64Value)
            #expect((ringEnd.data["end"] as? NSNumber)?.int64Value == ringStart + 1000)
            // A smart detection announced already closed: its add carries the end, and no update follows.
            let closedID = events[2].socketId
            let closedAdd = try #require(packets.first { $0.kind == "add event" && $0.id == closedID })
            #expect(closedAdd.data["end"] != nil)
            #expect(closedAdd.data["score"] as? Int ?? 0 >= 50)
            #expect(!packets.contains { $0.kind == "update event" && $0.id == closedID })
            // Each packet has its own newUpdateId, and the bootstrap's lastUpdateId follows the chain.
            let updateIDs = packets.compactMap { $0.action["newUpdateId"] as? String }
            #expect(Set(updateIDs).count == packets.count)
            #expect(!updateIDs.contains(before))
            try await eventually("the bootstrap's lastUpdateId to be the last packet's") {
                try await h.lastUpdateID(cookie: cookie) == updateIDs.last
            }
            // REST shows every event with its end, under the bare id.
            let listed = try await h.request(
                "/proxy/protect/api/events?types=motion&types=ring&types=smartDetectZone&start=0&end=\(Int64.max / 2)",
                headers: [("Cookie", cookie)])
            let objects = listed.json() as? [[String: Any]] ?? []
            for id in [motionID, linkedID, events[1].id, events[2].id] {
                let object = objects.first { $0["id"] as? String == id }
                #expect(object != nil, "event \(id) is listed")
                #expect(object?["end"] is NSNumber, "event \(id) has ended")
            }
            let stats = try await h.stats()
            #expect(stats.eventsCreated >= 4)
            #expect(stats.eventsEnded == stats.eventsCreated)
            #expect(stats.websocket.connections == 1)
            #expect(stats.websocket.packetsSent >= packets.count)
        }
    }

    @Test("--event-rate makes events by itself, and the regular NVR and camera updates arrive")
    func generatedEvents() async throws {
        var configuration = Harness.configuration()
        configuration.live.eventRate = 3_600
        configuration.live.heartbeatSeconds = 0.3
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let session = await h.listen(
                cookie: cookie, lastUpdateID: try await h.lastUpdateID(cookie: cookie), timeout: .seconds(60),
                until: { packets in
                    packets.filter { $0.kind == "add event" }.count >= 4 && packets.contains { $0.kind == "update nvr" }
                        && packets.contains { $0.kind == "update camera" }
                })
            #expect(session.packets.filter { $0.kind == "add event" }.count >= 4)
            let nvr = try #require(session.packets.first { $0.kind == "update nvr" })
            #expect(nvr.data["lastSeen"] is NSNumber)
            #expect(session.packets.contains { $0.kind == "update camera" && $0.data["stats"] is [String: Any] })
            #expect(try await h.stats().eventsCreated >= 4)
        }
    }

    @Test("--replay-ws sends the 131 captured packets byte for byte, in order")
    func replay() async throws {
        let capture = Harness.sharedFixtures.appendingPathComponent("sample_ws_messages.json")
        var configuration = Self.quiet()
        configuration.live.replayFile = capture.path
        configuration.live.replaySpeed = 40
        let root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: capture)) as? [String: [String: Any]])
        let ordered: [(key: String, value: [String: Any])] = root.sorted { Double($0.key)! < Double($1.key)! }
        var expected: [[UInt8]] = []
        for entry in ordered {
            let raw = try #require(entry.value["raw"] as? String)
            expected.append(Array(try #require(Data(base64Encoded: raw))))
        }
        #expect(expected.count == 131)
        let captured = expected
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let session = await h.listen(
                cookie: cookie, lastUpdateID: nil, timeout: .seconds(60), until: { $0.count >= 131 })
            #expect(session.packets.count == 131)
            let mismatch = zip(session.packets.map(\.raw), captured).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(mismatch == nil, "packet \(mismatch?.offset ?? -1) differs from the capture")
            // 23.7 s of capture at 40× takes about 0.6 s: the timing is kept, not dropped.
            #expect(session.seconds > 0.4)
        }
    }

    @Test("401 on the upgrade ends the session; a new login connects again")
    func unauthorizedUpgrade() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let id = try await h.lastUpdateID(cookie: cookie)
            var faults = FaultSettings()
            faults.websocketUnauthorizedCount = 1
            try await h.setFaults(faults)
            let refused = await h.listen(cookie: cookie, lastUpdateID: id, timeout: .seconds(20))
            #expect(refused.error != nil)
            #expect(refused.packets.isEmpty)
            // The session is over for REST too.
            let rest = try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)])
            #expect(rest.status == 401)
            let (fresh, _) = try await h.loginUniFiOS()
            let session = await h.listen(
                cookie: fresh, lastUpdateID: try await h.lastUpdateID(cookie: fresh), timeout: .seconds(60),
                during: { _ = try await h.startEvent(#"{"type":"motion","seconds":0.2}"#) },
                until: { $0.contains { $0.kind == "add event" } })
            #expect(session.error == nil)
            #expect(session.packets.contains { $0.kind == "add event" })
            #expect(try await h.stats().websocket.refused == 1)
            // Without any session the upgrade is refused as well.
            let anonymous = await h.listen(cookie: "TOKEN=nothing", lastUpdateID: nil, timeout: .seconds(20))
            #expect(anonymous.error != nil)
        }
    }

    @Test("A stale lastUpdateId is answered by a close naming it, whether by fault or unknown to the console")
    func staleUpdateID() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let current = try await h.lastUpdateID(cookie: cookie)
            var faults = FaultSettings()
            faults.staleUpdateIDCount = 1
            try await h.setFaults(faults)
            let byFault = await h.listen(cookie: cookie, lastUpdateID: current, timeout: .seconds(20))
            #expect(byFault.close?.reason?.contains("lastUpdateId") == true)
            #expect(byFault.packets.isEmpty)
            let unknown = await h.listen(
                cookie: cookie, lastUpdateID: "00000000-0000-4000-8000-000000000000", timeout: .seconds(20))
            #expect(unknown.close?.reason?.contains("lastUpdateId") == true)
            #expect(try await h.stats().websocket.staleClosed == 2)
        }
    }

    @Test("Dropping every socket ends the connections without a close frame")
    func drop() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let session = await h.listen(
                cookie: cookie, lastUpdateID: try await h.lastUpdateID(cookie: cookie), timeout: .seconds(60),
                during: {
                    _ = try await h.startEvent(#"{"type":"motion","seconds":0.1}"#)
                    try await eventually("the add packet sent", timeout: .seconds(30)) {
                        try await h.stats().websocket.packetsSent >= 1
                    }
                    var faults = FaultSettings()
                    faults.dropWebsockets = true
                    try await h.setFaults(faults)
                })
            #expect(session.seconds < 50, "the socket ended before the test's timeout")
            #expect(session.close == nil)
            #expect(session.packets.contains { $0.kind == "add event" })
            try await eventually("no socket open") { try await h.stats().websocket.open == 0 }
        }
    }

    @Test("A stalled socket stays open, sends nothing and leaves pings unanswered; a healthy one keeps going")
    func stall() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let id = try await h.lastUpdateID(cookie: cookie)
            var faults = FaultSettings()
            faults.stalledWebsocketCount = 1
            try await h.setFaults(faults)
            async let stalled = h.listen(
                cookie: cookie, lastUpdateID: id, autoPing: .seconds(2), timeout: .seconds(60))
            try await eventually("the stalled socket open", timeout: .seconds(30)) {
                try await h.stats().websocket.open >= 1
            }
            let healthy = await h.listen(
                cookie: cookie, lastUpdateID: id, autoPing: .seconds(2), timeout: .seconds(60),
                during: {
                    for _ in 0..<3 {
                        _ = try await h.startEvent(#"{"type":"motion","seconds":0.1,"linkedSmartDetection":false}"#)
                        try await Task.sleep(for: .milliseconds(2500))
                    }
                },
                until: { $0.filter { $0.kind == "add event" }.count >= 3 })
            let silent = await stalled
            #expect(silent.packets.isEmpty)
            #expect(silent.seconds < 50, "the client's ping timeout closed the silent socket")
            // The healthy socket answered pings for the seconds the three events took, and got all three.
            #expect(healthy.packets.filter { $0.kind == "add event" }.count == 3)
            #expect(healthy.error == nil, "\(String(describing: healthy.error))")
            #expect(healthy.seconds >= 4.5, "it stayed open across two ping periods")
        }
    }

    @Test("A restart drops sockets, refuses connections for a while, and comes back with a new lastUpdateId")
    func restart() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let before = try await h.lastUpdateID(cookie: cookie)
            let session = await h.listen(
                cookie: cookie, lastUpdateID: before, timeout: .seconds(60),
                during: {
                    try await eventually("the socket subscribed") { try await h.stats().websocket.open >= 1 }
                    var faults = FaultSettings()
                    faults.restartSeconds = 6
                    try await h.setFaults(faults)
                })
            #expect(session.seconds < 50, "the socket dropped before the test's timeout")
            // While down, the port refuses connections.
            // (A plain TCP connect: an HTTP client's pool would keep retrying until the console is back.)
            let connection = try? await h.connectTCP()
            #expect(connection == nil, "the port refuses connections while the console restarts")
            try? await connection?.close()
            try await h.waitAccepting()
            let after = try await h.lastUpdateID(cookie: cookie)
            #expect(!after.isEmpty && after != before)
            let resumed = await h.listen(cookie: cookie, lastUpdateID: before, timeout: .seconds(20))
            #expect(resumed.close?.reason?.contains("lastUpdateId") == true)
            let fresh = await h.listen(
                cookie: cookie, lastUpdateID: after, timeout: .seconds(20),
                during: { _ = try await h.startEvent(#"{"type":"motion","seconds":0.1}"#) },
                until: { $0.contains { $0.kind == "add event" } })
            #expect(fresh.packets.contains { $0.kind == "add event" })
        }
    }

    @Test("A restart closes connections that have asked nothing yet, and the console comes back")
    func restartWithIdleConnection() async throws {
        try await Harness.with(Self.quiet()) { h in
            // A connection opened just before the restart, whose first request has not come (a client's pool opens
            // them ahead): nothing of HTTP is on it yet to hear the server's shutdown.
            let idle = try await h.connectTCP()
            // A request on a connection opened after it: by its answer the console has accepted the idle one.
            _ = try await h.request("/")
            var faults = FaultSettings()
            faults.restartSeconds = 0.5
            try await h.setFaults(faults)
            do {
                try await eventually("the restart to close the idle connection", timeout: .seconds(30)) {
                    !idle.isActive
                }
                try await h.waitAccepting()
            } catch {
                try? await idle.close()
                throw error
            }
            let (cookie, _) = try await h.loginUniFiOS()
            #expect(!(try await h.lastUpdateID(cookie: cookie)).isEmpty)
        }
    }

    @Test("An event that never gets its end on the socket has one in /events")
    func unended() async throws {
        try await Harness.with(Self.quiet()) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            var faults = FaultSettings()
            faults.unendedEventCount = 1
            try await h.setFaults(faults)
            let started = LockedBox<[StartedEvent]>([])
            // A first event ends silently; a second one ends normally: had the first end been sent, it would have
            // come before the second's.
            let session = await h.listen(
                cookie: cookie, lastUpdateID: try await h.lastUpdateID(cookie: cookie), timeout: .seconds(60),
                during: {
                    started.append(try await h.startEvent(#"{"type":"motion","seconds":0.3}"#))
                    try await eventually("the first event ended silently", timeout: .seconds(30)) {
                        try await h.stats().eventsEndedSilently == 1
                    }
                    started.append(try await h.startEvent(#"{"type":"motion","seconds":0.3}"#))
                },
                until: { packets in
                    let ids = started.value.map(\.socketId)
                    return ids.count == 2
                        && packets.contains { $0.kind == "update event" && $0.id == ids[1] && $0.data["end"] != nil }
                })
            let id = try #require(started.value.first?.socketId)
            #expect(session.packets.contains { $0.kind == "add event" && $0.id == id })
            #expect(!session.packets.contains { $0.kind == "update event" && $0.id == id && $0.data["end"] != nil })
            let event = try await h.request(
                "/proxy/protect/api/events?types=motion&start=0&end=\(Int64.max / 2)", headers: [("Cookie", cookie)])
            let listed = (event.json() as? [[String: Any]] ?? []).first { $0["id"] as? String == id }
            #expect(listed?["end"] is NSNumber)
            #expect(try await h.stats().eventsEndedSilently == 1)
        }
    }

    @Test("Firmware early-session-end: a session ends long before its JWT's exp")
    func earlySessionEnd() async throws {
        var configuration = Self.quiet()
        configuration.firmware = .earlySessionEnd
        configuration.authentication.earlySessionEnd = 8
        // Session time is a clock the test moves on (from the wall clock's now, which the JWT's exp is checked
        // against): no waiting, and a loaded machine cannot end the session before the first request.
        let milliseconds = Mutex<Int64>(Int64(Date().timeIntervalSince1970 * 1000))
        configuration.authentication.clock = SimulatedClock { milliseconds.withLock { $0 } }
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            let payload = cookie.split(separator: ".")[1]
            var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            let claims = try #require(
                try JSONSerialization.jsonObject(with: Data(base64Encoded: base64)!) as? [String: Any])
            let exp = try #require((claims["exp"] as? NSNumber)?.doubleValue)
            #expect(exp - Date().timeIntervalSince1970 > 3000)
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 200)
            milliseconds.withLock { $0 += 8500 }
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 401)
        }
    }
}

/// A value shared between a test and the closures it hands to the socket client.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
}
