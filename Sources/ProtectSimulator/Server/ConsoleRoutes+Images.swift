import Foundation
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    func snapshot(cameraID: String, recorded: Bool, query: QueryParameters, now: Int64) async -> Response {
        guard let camera = await state.catalog.camera(id: cameraID) else { return Self.notFound("Camera not found") }
        let main =
            camera.channels.first
            ?? SimulatedChannel(id: 0, width: 1280, height: 720, fps: 15, bitrate: 0, enabled: true)
        let width = (query.first("w") ?? query.first("width")).flatMap { Int($0) } ?? min(main.width, 1280)
        let height =
            (query.first("h") ?? query.first("height")).flatMap { Int($0) } ?? width * main.height / max(1, main.width)
        var moment = now
        if recorded {
            guard let ts = query.int64("ts") else { return Self.json(.badRequest, Self.errorBody("ts is required")) }
            if timeline.recordedIntervals(of: camera, from: ts, to: ts + 1, now: now).isEmpty {
                return Self.notFound("No recording at this time")
            }
            moment = ts
        } else if !camera.isConnected {
            return Self.json(.serviceUnavailable, Self.errorBody("Camera is not connected"))
        }
        let grey = UInt8(truncatingIfNeeded: (cameraID.hashValueStable &+ UInt64(moment / 1000)) % 200 + 28)
        let jpeg = SyntheticImages.jpeg(width: width, height: height, grey: grey)
        return Response(
            status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
    }

    func eventImage(eventID: String, kind: String, query: QueryParameters, now: Int64) async -> Response {
        guard let event = await state.event(id: eventID) else { return Self.notFound("Event not found") }
        guard let end = event.end, Double(now - end) >= configuration.eventImageDelay * 1000 else {
            return Self.notFound("Thumbnail not found")
        }
        let grey = UInt8(truncatingIfNeeded: eventID.hashValueStable % 200 + 28)
        switch kind {
        case "thumbnail":
            let width = query.first("w").flatMap { Int($0) } ?? 640
            let height = query.first("h").flatMap { Int($0) } ?? width * 9 / 16
            let jpeg = SyntheticImages.jpeg(width: width, height: height, grey: grey)
            return Response(
                status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
        case "heatmap":
            let png = SyntheticImages.png(width: 320, height: 180, grey: grey)
            return Response(
                status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        default:
            return Self.notFound("Not Found")
        }
    }
}
