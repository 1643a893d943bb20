import Foundation

/// Plays live events on the console: stores them for `/events` and announces each step on the websocket, as a
/// console does (an `add`, camera motion, a linked smart detection, the closing `update`).
struct LiveEvents: Sendable {
    let state: ConsoleState
    let clock: SimulatedClock

    /// Runs one event from start to end; returns when it has ended.
    func run(_ plan: LiveEventPlan) async {
        let feed = state.feed
        let start = clock.now()
        if plan.closedOnAdd {
            // Announced late, already closed, as consoles do with about a fifth of smart detections.
            await sleep(milliseconds: plan.milliseconds)
            let event = EventStore.make(
                id: plan.id, type: plan.type, start: start, end: start + plan.milliseconds, camera: plan.camera.id,
                score: plan.score, smart: plan.smartDetectTypes)
            await state.addEvent(event)
            await feed.publish(action: "add", modelKey: "event", id: plan.socketID, data: socketJSON(plan, event))
            return
        }
        let event = EventStore.make(
            id: plan.id, type: plan.type, start: start, end: nil, camera: plan.camera.id, score: plan.score,
            smart: plan.smartDetectTypes)
        await state.addEvent(event)
        await feed.publish(action: "add", modelKey: "event", id: plan.socketID, data: socketJSON(plan, event))
        if plan.type == "motion" {
            await state.setMotion(camera: plan.camera.id, detected: true, at: start)
            await feed.publish(
                action: "update", modelKey: "camera", id: plan.camera.id,
                data: Data(#"{"isMotionDetected":true,"isRecording":true,"lastMotion":\#(start)}"#.utf8))
        }
        if plan.type == "ring" {
            // A ring's end (start + 1 s) is announced at once, before that moment has come.
            await sleep(milliseconds: 36)
            await finish(plan, end: start + plan.milliseconds, score: nil)
            return
        }
        var score: Int? = plan.type == "motion" ? 100 : nil
        if let linkedID = plan.linkedID {
            await sleep(milliseconds: plan.milliseconds * 3 / 10)
            let linkedScore = 50 + Int(UInt64(linkedID.hashValueStable) % 50)
            let smart = EventStore.make(
                id: linkedID, type: "smartDetectZone", start: clock.now(), end: nil, camera: plan.camera.id,
                score: linkedScore, smart: plan.linkedTypes)
            await state.addEvent(smart)
            await feed.publish(
                action: "add", modelKey: "event", id: linkedID,
                data: socketJSON(linkedID: linkedID, camera: plan.camera.id, event: smart))
            await state.updateEvent(id: plan.id, score: linkedScore, smartDetectEvents: [linkedID])
            await feed.publish(
                action: "update", modelKey: "event", id: plan.socketID,
                data: Data(#"{"score":\#(linkedScore),"smartDetectEvents":["\#(linkedID)"]}"#.utf8))
            await sleep(milliseconds: plan.milliseconds - plan.milliseconds * 3 / 10)
            let end = clock.now()
            await state.updateEvent(id: linkedID, end: end)
            await feed.publish(
                action: "update", modelKey: "event", id: linkedID, data: Data(#"{"end":\#(end)}"#.utf8))
            score = nil
        } else {
            await sleep(milliseconds: plan.milliseconds)
        }
        await finish(plan, end: clock.now(), score: score)
    }

    private func finish(_ plan: LiveEventPlan, end: Int64, score: Int?) async {
        let feed = state.feed
        await state.updateEvent(id: plan.id, end: end, score: score)
        if await state.takeFault(\.unendedEventCount) {
            await state.countSilentEnd()
        } else {
            let scoreText = score.map { #","score":\#($0)"# } ?? ""
            await feed.publish(
                action: "update", modelKey: "event", id: plan.socketID,
                data: Data(#"{"end":\#(end)\#(scoreText)}"#.utf8))
        }
        if plan.type == "motion" {
            await state.setMotion(camera: plan.camera.id, detected: false, at: end)
            await feed.publish(
                action: "update", modelKey: "camera", id: plan.camera.id,
                data: Data(#"{"isMotionDetected":false}"#.utf8))
        }
    }

    /// The event as an `add` carries it: no image keys, no `end` while it runs, the socket's id.
    private func socketJSON(_ plan: LiveEventPlan, _ event: SimulatedEvent) -> Data {
        socketJSON(linkedID: plan.socketID, camera: plan.camera.id, event: event)
    }

    private func socketJSON(linkedID id: String, camera: String, event: SimulatedEvent) -> Data {
        let smart = event.smartDetectTypes.map { "\"\($0)\"" }.joined(separator: ",")
        let linked = event.smartDetectEvents.map { "\"\($0)\"" }.joined(separator: ",")
        let end = event.end.map { #""end":\#($0),"# } ?? ""
        return Data(
            (#"{"type":"\#(event.type)","start":\#(event.start),\#(end)"score":\#(event.score),"#
                + #""smartDetectTypes":[\#(smart)],"smartDetectEvents":[\#(linked)],"metadata":{},"#
                + #""camera":"\#(camera)","partition":null,"user":null,"id":"\#(id)","modelKey":"event"}"#).utf8)
    }

    private func sleep(milliseconds: Int64) async {
        try? await Task.sleep(for: .milliseconds(max(0, milliseconds)))
    }
}
