import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// A validated export request.
    struct ExportRequest {
        var camera: SimulatedCamera
        var channel: SimulatedChannel
        var start: Int64
        var end: Int64
        var speedup: Int
        var lens: Int
        var type: String
        var filename: String?
    }

    func validateExport(_ query: QueryParameters, now: Int64) async -> (
        request: ExportRequest?, problem: Response?
    ) {
        func bad(_ message: String) -> (ExportRequest?, Response?) {
            (nil, Self.json(.badRequest, Self.errorBody(message)))
        }
        guard let cameraID = query.first("camera"), !cameraID.isEmpty else { return bad("camera is required") }
        guard let startText = query.first("start"), let start = Int64(startText) else {
            return bad("start must be a timestamp in milliseconds")
        }
        guard let endText = query.first("end"), let end = Int64(endText) else {
            return bad("end must be a timestamp in milliseconds")
        }
        guard start < end else { return bad("end must be after start") }
        guard let camera = await state.catalog.camera(id: cameraID) else {
            return (nil, Self.notFound("Camera not found"))
        }
        var channelID = 0
        if let text = query.first("channel") {
            guard let value = Int(text), (0...2).contains(value) else { return bad("channel must be 0, 1 or 2") }
            channelID = value
        }
        var lens = 0
        if let text = query.first("lens") {
            guard let value = Int(text), value == 0 || value == 2 else { return bad("lens must be 0 or 2") }
            guard value == 0 || camera.hasPackageLens else { return bad("Camera has no lens 2") }
            lens = value
            if value == 2 { channelID = 3 }
        }
        guard let channel = camera.channels.first(where: { $0.id == channelID }), channel.enabled else {
            return bad("Channel \(channelID) is not enabled on this camera")
        }
        let type = query.first("type") ?? "rotating"
        var speedup = 1
        switch type {
        case "rotating", "": break
        case "timelapse":
            let speeds = [4: 60, 8: 120, 20: 300, 40: 600]
            guard let fps = query.first("fps").flatMap({ Int($0) }), let speed = speeds[fps] else {
                return bad("fps must be 4, 8, 20 or 40 for a timelapse")
            }
            speedup = speed
        default:
            return bad("type must be rotating or timelapse")
        }
        if abs(end - now) < 2_000 {
            return (nil, Self.json(.internalServerError, Self.errorBody("Non-monotonic timestamp provided")))
        }
        return (
            ExportRequest(
                camera: camera, channel: channel, start: start, end: end, speedup: speedup, lens: lens, type: type,
                filename: query.first("filename")),
            nil
        )
    }

    func export(query: QueryParameters, now: Int64) async -> Response {
        let validation = await validateExport(query, now: now)
        guard let export = validation.request else { return validation.problem! }
        let intervals = timeline.recordedIntervals(of: export.camera, from: export.start, to: export.end + 1, now: now)
        let recorded = intervals.reduce(Int64(0)) { $0 + ($1.upperBound - $1.lowerBound) }
        guard recorded > 0 else {
            await state.recordEmptyExport()
            return Self.json(.internalServerError, Self.errorBody("No files found matching criteria."))
        }
        if await state.takeFault(\.htmlLoginPageCount) {
            return Self.loginPageResponse()
        }
        guard await state.beginExport() else {
            return Self.json(
                .internalServerError, Self.errorBody("Unable to export video: too many exports in progress."))
        }
        let performance = configuration.performance
        if performance.enabled {
            let hours = Double(export.end - export.start) / 3_600_000
            // Remuxing takes longer for a longer range, and longer while other exports run.
            let others = max(0, await state.exportsInProgress - 1)
            let wait =
                performance.firstByteBase + performance.firstByteSecondsPerHour * hours
                + performance.firstByteSecondsPerBusyExport * Double(others)
            try? await Task.sleep(for: .seconds(wait))
        }
        let movie = ExportMovie(
            identity:
                "camera=\(export.camera.id) channel=\(export.channel.id) lens=\(export.lens) type=\(export.type)x\(export.speedup) start=\(export.start) end=\(export.end)",
            width: export.channel.width,
            height: export.channel.height,
            framesPerSecond: export.channel.fps,
            bitsPerSecond: export.channel.bitrate,
            durationMilliseconds: max(1, recorded / Int64(export.speedup)),
            creationTime: intervals.first?.lowerBound ?? export.start,
            overlay: configuration.cameras.burnedInText
                ? VideoOverlay(
                    cameraName: export.camera.name, start: intervals.first?.lowerBound ?? export.start,
                    speed: export.speedup, timeZone: timeline.timeZone) : nil
        )
        let faults = await state.takeExportFaults()
        // A damaged recording ends its export at the same byte every time.
        let damage = await state.currentFaults()
        var cut = faults.resetAfter
        if damage.damagedCamera == export.camera.id, let at = damage.damagedAt, export.start <= at, at <= export.end {
            cut = cut.map { min($0, damage.damagedAfterBytes) } ?? damage.damagedAfterBytes
        }
        let resetAfter = cut
        var headers: HTTPFields = [.contentType: "video/mp4"]
        if let filename = export.filename {
            headers[.contentDisposition] =
                "attachment; filename=\"\(filename.replacingOccurrences(of: "\"", with: ""))\""
        }
        let sendLength = configuration.export.contentLength && !faults.cutBeforeMoov
        let state = self.state
        let chunkSize = configuration.export.chunkSize
        let streamCap = performance.enabled ? performance.streamBytesPerSecond : nil
        let body = ResponseBody(contentLength: sendLength ? Int(movie.totalBytes) : nil) { writer in
            var chunks = movie.chunks(upTo: faults.cutBeforeMoov ? movie.moovOffset : nil, chunkSize: chunkSize)
            var sent: Int64 = 0
            var stalled = false
            // This export's own cap: it may send again once its last chunk has gone at the rate of now (a console
            // that slows down when more exports join slows what it sends from then on, not what it sent before).
            var exportBusyUntil = ContinuousClock.now
            do {
                while var chunk = chunks.next() {
                    if let limit = resetAfter, sent + Int64(chunk.readableBytes) >= limit {
                        let part = chunk.readSlice(length: Int(max(0, limit - sent)))!
                        if part.readableBytes > 0 { try await writer.write(part) }
                        await state.recordBytes(part.readableBytes)
                        throw SimulatedFault.connectionReset
                    }
                    if let stall = faults.stall, !stalled, sent + Int64(chunk.readableBytes) >= stall.after {
                        stalled = true
                        try await Task.sleep(for: .seconds(stall.seconds))
                    }
                    let count = chunk.readableBytes
                    try await writer.write(chunk)
                    sent += Int64(count)
                    await state.recordBytes(count)
                    if performance.enabled {
                        var wait = await state.globalDelay(for: count)
                        if let streamCap {
                            let factor = performance.speedFactor(exports: await state.exportsInProgress)
                            let now = ContinuousClock.now
                            exportBusyUntil = max(exportBusyUntil, now) + .seconds(Double(count) / (streamCap * factor))
                            wait = max(wait, (exportBusyUntil - now).simulatorSeconds)
                        }
                        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
                    }
                }
                try await writer.finish(nil)
                await state.endExport(completed: !faults.cutBeforeMoov)
            } catch {
                await state.endExport(completed: false)
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
