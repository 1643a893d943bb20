import Foundation
import Hummingbird

/// The simulator's own endpoints under `/__sim/`, in either generation: statistics, faults, live events and
/// sessions (an unknown one is a 404 of its own: `UnroutedMiddleware`).
struct ControlRoutes: Sendable {
    typealias Context = ConsoleRequestContext

    let state: ConsoleState

    func add(to router: Router<Context>) {
        let control = router.group("/__sim")
            .add(middleware: ExactPathMiddleware())
            .add(middleware: EndpointNameMiddleware(name: "control"))
        control.get("stats") { _, _ in
            ConsoleRoutes.json(.ok, (try? Self.encoder().encode(await state.currentStats())) ?? Data())
        }
        control.post("stats/reset") { _, _ in
            await state.resetStats()
            return ConsoleRoutes.json(.ok, "{}")
        }
        control.get("faults") { _, _ in
            ConsoleRoutes.json(.ok, (try? Self.encoder().encode(await state.currentFaults())) ?? Data())
        }
        control.post("faults") { request, _ in await setFaults(request) }
        control.post("events") { request, _ in await startEvent(request) }
        control.post("expire-sessions") { _, _ in
            await state.expireAllSessions()
            return ConsoleRoutes.json(.ok, "{}")
        }
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// `POST /__sim/faults`: replaces the fault settings; answers them.
    private func setFaults(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: 65_536),
            let faults = try? JSONDecoder().decode(FaultSettings.self, from: Data(buffer: body))
        else {
            return ConsoleRoutes.json(
                .badRequest, ConsoleRoutes.errorBody("The body must be a JSON object of fault settings."))
        }
        await state.setFaults(faults)
        return ConsoleRoutes.json(.ok, (try? Self.encoder().encode(faults)) ?? Data())
    }

    /// `POST /__sim/events`: starts a live event (an empty body: any camera, any type); answers its ids.
    private func startEvent(_ request: Request) async -> Response {
        var request = request
        let body = try? await request.collectBody(upTo: 65_536)
        let wanted: LiveEventRequest?
        if let body, body.readableBytes > 0 {
            wanted = try? JSONDecoder().decode(LiveEventRequest.self, from: Data(buffer: body))
        } else {
            wanted = LiveEventRequest()
        }
        guard let wanted else {
            return ConsoleRoutes.json(
                .badRequest, ConsoleRoutes.errorBody("The body must be a JSON object describing the event."))
        }
        guard let plan = await state.startLiveEvent(wanted) else {
            return ConsoleRoutes.notFound("No camera fits the event.")
        }
        let answer =
            #"{"id":"\#(plan.id)","socketId":"\#(plan.socketID)","camera":"\#(plan.camera.id)","#
            + #""type":"\#(plan.type)","milliseconds":\#(plan.milliseconds),"closedOnAdd":\#(plan.closedOnAdd)"#
            + (plan.linkedID.map { #","linkedId":"\#($0)""# } ?? "") + "}"
        return ConsoleRoutes.json(.ok, answer)
    }
}
