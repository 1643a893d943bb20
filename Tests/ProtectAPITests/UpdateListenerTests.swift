import Foundation
import ProtectSimulator
import TestSupport
import Testing

@testable import ProtectAPI

/// Collects what a listener hands over.
actor Received {
    private(set) var packets: [UpdatePacket] = []
    func add(_ packet: UpdatePacket) { packets.append(packet) }
}

@Suite("The realtime websocket through ProtectClient.listen, against protect-sim")
struct UpdateListenerTests {
    static func quiet() -> SimulatorConfiguration {
        var configuration = smallConsole(.unifiOS)
        configuration.live.heartbeatSeconds = 0
        return configuration
    }

    /// How long a listen may take before the test fails instead of hanging. Generous: at the start of a full test
    /// run on two cores, a login and an upgrade alone have taken over ten seconds.
    static let hangGuard: Double = 90

    /// Waits until the simulator has a subscribed socket (an event started earlier would not reach it).
    static func socketOpen(_ simulator: ConsoleSimulator) async throws {
        try await eventually("a subscribed websocket", timeout: .seconds(hangGuard)) {
            await simulator.state.currentStats().websocket.open >= 1
        }
    }

    /// Runs `body`, failing the test instead of hanging when it outlives `seconds`.
    static func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let value = try await group.next(), let value else {
                Issue.record("still listening after \(seconds) s")
                throw CancellationError()
            }
            return value
        }
    }

    @Test("Live packets arrive decoded, with the session's cookie; a suffixed id normalises to the REST id")
    func livePackets() async throws {
        try await withConsole(Self.quiet()) { client, simulator, _ in
            let bootstrap = try await client.bootstrap()
            let from = try #require(bootstrap.lastUpdateID)
            let received = Received()
            let started = Task {
                try await Self.socketOpen(simulator)
                return await simulator.startEvent(
                    LiveEventRequest(type: "motion", seconds: 0.5, suffixedID: true, linkedSmartDetection: false))
            }
            let end = try await Self.within(Self.hangGuard) {
                try await client.listen(lastUpdateID: from) { packet in
                    await received.add(packet)
                    return
                        !(packet.action.modelKey == "event" && packet.action.action == "update"
                        && packet.data.object?["end"] != nil)
                }
            }
            let event = try #require(try await started.value)
            let packets = await received.packets
            #expect(end.packets == packets.count)
            #expect(packets.first?.action.action == "add")
            #expect(packets.first?.action.id == event.socketID)
            #expect(packets.first?.action.normalizedID == event.id)
            #expect(packets.last?.action.normalizedID == event.id)
            #expect(packets.map(\.action.newUpdateID).count == Set(packets.map(\.action.newUpdateID)).count)
            // The REST view of the same event (what a listener fetches for an update about an id it never saw).
            let fetched = try await client.event(id: event.id)
            #expect(fetched.id == event.id && fetched.type == "motion" && fetched.end != nil)
            await #expect(throws: ProtectError.self) { _ = try await client.event(id: "000000000000000000000000") }
        }
    }

    @Test("A stale lastUpdateId ends the session with a close that says so")
    func stale() async throws {
        try await withConsole(Self.quiet()) { client, _, _ in
            let end = try await Self.within(Self.hangGuard) {
                try await client.listen(lastUpdateID: "00000000-0000-4000-8000-000000000000") { _ in true }
            }
            #expect(end.staleUpdateID)
            #expect(end.packets == 0)
        }
    }

    @Test("A 401 on the upgrade is met by one new login; two in a row are an HTTP error")
    func unauthorized() async throws {
        try await withConsole(Self.quiet()) { client, simulator, _ in
            var faults = FaultSettings()
            faults.websocketUnauthorizedCount = 1
            await simulator.state.setFaults(faults)
            let from = try await client.bootstrap().lastUpdateID
            // A ring every 2 s once the socket is open: on a loaded machine the first may go out before the new
            // session's socket is listening.
            let started = Task {
                try await Self.socketOpen(simulator)
                while !Task.isCancelled {
                    _ = await simulator.startEvent(LiveEventRequest(type: "ring"))
                    try await Task.sleep(for: .seconds(2))
                }
            }
            let end = try await Self.within(Self.hangGuard) {
                try await client.listen(lastUpdateID: from) { packet in packet.action.modelKey != "event" }
            }
            started.cancel()
            #expect(end.packets >= 1)
            #expect(await client.loginCount == 2)
            faults.websocketUnauthorizedCount = 2
            await simulator.state.setFaults(faults)
            await #expect(throws: ProtectError.self) {
                _ = try await Self.within(Self.hangGuard) { try await client.listen(lastUpdateID: nil) { _ in true } }
            }
        }
    }

    @Test("With pings, a silent half-open socket is closed instead of waited on for ever")
    func silentSocket() async throws {
        try await withConsole(Self.quiet()) { client, simulator, _ in
            var faults = FaultSettings()
            faults.stalledWebsocketCount = 1
            await simulator.state.setFaults(faults)
            let began = ContinuousClock.now
            let end = try await Self.within(Self.hangGuard) {
                try await client.listen(lastUpdateID: nil, ping: .seconds(1)) { _ in true }
            }
            #expect(end.packets == 0)
            // Closed by the missed pings (about 2 s), not left open until the guard.
            #expect(ContinuousClock.now - began < .seconds(60))
        }
    }

    @Test("A Protect 1.x console has no realtime websocket: said so")
    func legacy() async throws {
        _ = try await withConsole(smallConsole(.legacy)) { client, _, _ in
            await #expect(throws: ProtectError.self) { _ = try await client.listen(lastUpdateID: nil) { _ in true } }
        }
    }
}
