import Foundation
import ServiceLifecycle

/// The console's life while it runs: live events at the configured rate, those asked for through
/// `POST /__sim/events`, and the NVR's and cameras' regular updates on the websocket.
struct LiveConsoleService: Service {
    let state: ConsoleState
    let configuration: SimulatorConfiguration

    func run() async throws {
        let live = LiveEvents(state: state, clock: configuration.clock)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await generate() }
                group.addTask { await heartbeat() }
                for await plan in state.scheduledEvents {
                    group.addTask { await live.run(plan) }
                }
            }
        }
    }

    /// Starts events at random moments: `eventRate` per camera per hour on average.
    private func generate() async {
        let cameras = await state.catalog.cameras.filter { $0.isConnected && $0.recordingStart != nil }
        let perHour = configuration.live.eventRate * Double(cameras.count)
        guard perHour > 0 else { return }
        while !Task.isCancelled {
            let wait = await state.nextEventInterval(perHour: perHour)
            try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            if Task.isCancelled { return }
            await state.startLiveEvent(LiveEventRequest())
        }
    }

    /// Sends the NVR's `uptime`/`lastSeen` and one camera's `stats` every `heartbeatSeconds`, as consoles do.
    private func heartbeat() async {
        let seconds = configuration.live.heartbeatSeconds
        guard seconds > 0 else { return }
        var turn = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            if Task.isCancelled { return }
            let now = configuration.clock.now()
            let catalog = await state.catalog
            let nvr = catalog.nvrObject(now: now)
            let nvrUpdate: [String: Any] = ["uptime": nvr["uptime"] ?? 0, "lastSeen": now]
            if let data = try? JSONSerialization.data(withJSONObject: nvrUpdate, options: [.sortedKeys]) {
                await state.feed.publish(action: "update", modelKey: "nvr", id: catalog.nvrID, data: data)
            }
            let connected = catalog.cameras.filter(\.isConnected)
            guard !connected.isEmpty else { continue }
            let camera = connected[turn % connected.count]
            turn += 1
            let object = catalog.cameraObject(camera, now: now)
            let update: [String: Any] = ["lastSeen": now, "stats": object["stats"] ?? [:]]
            if let data = try? JSONSerialization.data(withJSONObject: update, options: [.sortedKeys]) {
                await state.feed.publish(action: "update", modelKey: "camera", id: camera.id, data: data)
            }
        }
    }
}
