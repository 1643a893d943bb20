import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers every request as a console of the configured generation would.
struct ConsoleResponder: HTTPResponder {
    typealias Context = ConsoleRequestContext

    let state: ConsoleState
    let configuration: SimulatorConfiguration
    let timeline: RecordingTimeline
    let logger: Logger

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let updatedCSRFHeader = HTTPField.Name("X-Updated-CSRF-Token")!
    static let retryAfterHeader = HTTPField.Name("Retry-After")!

    var apiPrefix: String { configuration.mode == .legacy ? "/api/" : "/proxy/protect/api/" }

    func respond(to request: Request, context: Context) async throws -> Response {
        state.connections.register(context.channel)
        var request = request
        let (response, endpoint) = await route(&request)
        await state.record(status: Int(response.status.code), endpoint: endpoint)
        logger.debug("\(request.method) \(request.uri.path) → \(response.status.code)")
        return response
    }

    private func route(_ request: inout Request) async -> (Response, String) {
        let path = request.uri.path
        let method = request.method
        if path.hasPrefix("/__sim/") {
            return (await control(&request), "control")
        }
        switch (configuration.mode, method, path) {
        case (_, .get, "/"):
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
            if configuration.mode == .unifiOS { headers[Self.csrfHeader] = UUID().uuidString.lowercased() }
            return (
                Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.loginPage))),
                "root"
            )
        case (.unifiOS, .post, "/api/auth/login"), (.legacy, .post, "/api/auth"):
            return (await login(&request), "login")
        case (.unifiOS, .post, "/api/auth/logout"):
            if let token = sessionToken(of: request) { await state.logout(token: token) }
            return (Self.json(.ok, #"{}"#), "logout")
        case (.unifiOS, .get, "/api/users/self"):
            switch await authenticate(request, isWrite: false) {
            case .success(let headers):
                return (Self.json(.ok, #"{"username":"\#(configuration.authentication.username)"}"#, headers), "self")
            case .failure(let response):
                return (response, "self")
            }
        case (.unifiOS, .get, WebSocketEndpoint.path):
            // Reached only when the websocket upgrade was declined: no valid session, or the 401 fault.
            switch await authenticate(request, isWrite: false) {
            case .success:
                let upgrading = request.headers[.upgrade]?.lowercased() == "websocket"
                return (
                    upgrading
                        ? Self.json(.unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Session ended"}"#)
                        : Self.json(.badRequest, Self.errorBody("A websocket upgrade is required.")),
                    "websocket"
                )
            case .failure(let response):
                return (response, "websocket")
            }
        case (.legacy, _, "/api/auth/login"):
            return (Self.json(.notFound, #"{"error":"Not Found"}"#), "login")
        case (.legacy, .post, "/api/auth/access-key"):
            switch await authenticate(request, isWrite: false) {
            case .success:
                let key = await state.issueAccessKey()
                return (Self.json(.ok, #"{"accessKey":"\#(key)"}"#), "access-key")
            case .failure(let response):
                return (response, "access-key")
            }
        default:
            break
        }
        guard path.hasPrefix(apiPrefix) else {
            return (Self.json(.notFound, #"{"error":"Not Found"}"#), "unknown")
        }
        return await api(&request, path: String(path.dropFirst(apiPrefix.count)))
    }

    // MARK: Authentication

    private func login(_ request: inout Request) async -> Response {
        guard let body = try? await request.collectBody(upTo: 65_536),
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let username = object["username"] as? String, let password = object["password"] as? String
        else {
            return Self.json(.badRequest, #"{"code":"BAD_REQUEST","message":"username and password are required"}"#)
        }
        switch await state.login(username: username, password: password) {
        case .rateLimited(let retryAfter):
            var response = Self.json(
                .tooManyRequests,
                #"{"code":"AUTHENTICATION_FAILED_LIMIT_REACHED","message":"You've reached the login attempt limit","level":"debug"}"#
            )
            response.headers[Self.retryAfterHeader] = String(retryAfter)
            return response
        case .needsSecondFactor:
            return Self.json(
                HTTPResponse.Status(code: 499, reasonPhrase: "MFA Required"),
                #"{"code":"MFA_AUTH_REQUIRED","message":"MFA token required to authenticate to SSO","data":{"required":"2fa"}}"#
            )
        case .invalidCredentials:
            let code =
                configuration.mode == .unifiOS ? "AUTHENTICATION_FAILED_INVALID_CREDENTIALS" : "AUTHENTICATION_FAILED"
            return Self.json(.unauthorized, #"{"code":"\#(code)","message":"Invalid username or password"}"#)
        case .success(let session):
            let user = #"{"unique_id":"5f1c9a2b3c4d5e6f7a8b9c0d","username":"\#(username)","isOwner":false}"#
            var headers: HTTPFields = [:]
            if configuration.mode == .unifiOS {
                headers[.setCookie] =
                    "\(configuration.authentication.cookieName)=\(session.token); path=/; samesite=none; secure; httponly"
                headers[Self.csrfHeader] = session.csrfToken
                headers[Self.updatedCSRFHeader] = session.csrfToken
            } else {
                headers[.authorization] = session.token
            }
            return Self.json(.ok, user, headers)
        }
    }

    private func sessionToken(of request: Request) -> String? {
        if configuration.mode == .legacy {
            guard let value = request.headers[.authorization] else { return nil }
            return value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : value
        }
        return Self.cookie(named: configuration.authentication.cookieName, in: request.headers)
    }

    /// The value of the cookie `name` among a request's `Cookie` headers (the session of a UniFi OS console).
    static func cookie(named name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    private enum Authentication {
        case success(HTTPFields)
        case failure(Response)
    }

    /// Checks the session of an API call; on success, the headers to add (a rotated CSRF token).
    private func authenticate(_ request: Request, isWrite: Bool) async -> Authentication {
        let check = await state.useSession(
            token: sessionToken(of: request), csrf: request.headers[Self.csrfHeader], isWrite: isWrite)
        switch check {
        case .valid(_, let rotated):
            var headers: HTTPFields = [:]
            if let rotated { headers[Self.updatedCSRFHeader] = rotated }
            return .success(headers)
        case .badCSRF:
            return .failure(Self.json(.forbidden, #"{"code":"CSRF_TOKEN_INVALID","message":"Invalid CSRF token"}"#))
        case .expired where configuration.authentication.expiredSessionAnswer == .loginPage:
            return .failure(Self.loginPageResponse())
        case .missing, .expired:
            return .failure(
                Self.json(.unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Authentication required"}"#))
        }
    }

    // MARK: API

    private func api(_ request: inout Request, path: String) async -> (Response, String) {
        let query = QueryParameters(request.uri.query)
        let parts = path.split(separator: "/").map(String.init)
        let endpoint = Self.endpointName(parts)
        let isWrite = request.method != .get && request.method != .head
        let usesAccessKey = configuration.mode == .legacy && query.has("accessKey") && parts.first == "video"
        var extraHeaders: HTTPFields = [:]
        if usesAccessKey {
            guard await state.useAccessKey(query.first("accessKey") ?? "") else {
                return (
                    Self.json(.unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Invalid access key"}"#),
                    endpoint
                )
            }
        } else {
            switch await authenticate(request, isWrite: isWrite) {
            case .success(let headers): extraHeaders = headers
            case .failure(let response): return (response, endpoint)
            }
        }
        if await state.takeFault(\.unauthorizedCount) {
            return (
                Self.json(.unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Authentication required"}"#),
                endpoint
            )
        }
        let faults = await state.currentFaults()
        let isExport = parts.first == "video" && parts.count == 2 && parts[1] != "prepare"
        if isExport || !faults.failExportsOnly, await state.takeFault(\.failCount) {
            return (Self.failure(status: faults.failStatus), endpoint)
        }
        var response = await handle(&request, parts: parts, query: query, isWrite: isWrite)
        for field in extraHeaders { response.headers.append(field) }
        return (response, endpoint)
    }

    static func endpointName(_ parts: [String]) -> String {
        switch parts.count {
        case 0: return "api"
        case 1: return parts[0]
        case 2: return parts[0] == "video" ? parts[1] : parts[0]
        default: return "\(parts[0])/\(parts[2])"
        }
    }

    private func handle(_ request: inout Request, parts: [String], query: QueryParameters, isWrite: Bool) async
        -> Response
    {
        let now = configuration.clock.now()
        switch (request.method, parts.count, parts.first) {
        case (.get, 1, "bootstrap"):
            let catalog = await state.catalog
            guard
                let data = try? catalog.bootstrapJSON(
                    now: now, accessKey: "", lastUpdateID: await state.feed.lastUpdateID, motion: await state.motion)
            else {
                return Self.json(.internalServerError, #"{"error":"bootstrap failed"}"#)
            }
            return Self.json(.ok, data)
        case (.get, 1, "cameras"):
            guard let data = try? await state.catalog.camerasJSON(now: now, motion: await state.motion) else {
                return Self.json(.internalServerError, #"{"error":"cameras failed"}"#)
            }
            return Self.json(.ok, data)
        case (.get, 1, "nvr"):
            let nvr = await state.catalog.nvrObject(now: now)
            return Self.json(.ok, (try? JSONSerialization.data(withJSONObject: nvr, options: [.sortedKeys])) ?? Data())
        case (.get, 2, "cameras"):
            let catalog = await state.catalog
            guard let camera = catalog.camera(id: parts[1]) else { return Self.notFound("Camera not found") }
            let object = catalog.cameraObject(camera, now: now, motion: await state.motion[camera.id])
            return Self.json(
                .ok, (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        case (.patch, 2, "cameras"):
            guard let body = try? await request.collectBody(upTo: 65_536),
                let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            else { return Self.json(.badRequest, #"{"error":"Invalid JSON body"}"#) }
            if let name = object["name"] as? String, !(await state.rename(camera: parts[1], to: name)) {
                return Self.notFound("Camera not found")
            }
            guard let camera = await state.catalog.camera(id: parts[1]) else {
                return Self.notFound("Camera not found")
            }
            let json = await state.catalog.cameraObject(camera, now: now)
            return Self.json(.ok, (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data())
        case (.get, 3, "cameras") where parts[2] == "snapshot" || parts[2] == "recording-snapshot":
            return await snapshot(
                cameraID: parts[1], recorded: parts[2] == "recording-snapshot", query: query, now: now)
        case (.get, 1, "events"):
            let events = await state.queryEvents(query)
            var data = Data("[".utf8)
            for (index, event) in events.enumerated() {
                if index > 0 { data.append(contentsOf: Array(",".utf8)) }
                data.append(event.json)
            }
            data.append(contentsOf: Array("]".utf8))
            return Self.json(.ok, data)
        case (.get, 2, "events"):
            guard let event = await state.event(id: parts[1]) else { return Self.notFound("Event not found") }
            return Self.json(.ok, event.json)
        case (.get, 3, "events"):
            return await eventImage(eventID: parts[1], kind: parts[2], query: query, now: now)
        case (.get, 2, "video") where parts[1] == "export":
            if configuration.firmware == .brokenExport {
                return Self.json(.internalServerError, #"{"error":"Unable to export video: Error: remux failed"}"#)
            }
            return await export(query: query, now: now)
        case (.get, 2, "video") where parts[1] == "prepare":
            if let problem = await validateExport(query, now: now).problem { return problem }
            let name = await state.prepare(camera: query.first("camera") ?? "", parameters: query)
            return Self.json(.ok, #"{"fileName":"\#(name)"}"#)
        case (.get, 2, "video") where parts[1] == "download":
            guard let name = query.first("filename"), let prepared = await state.preparedExport(named: name),
                prepared.camera == query.first("camera")
            else {
                return Self.notFound("Export file not found")
            }
            return await export(query: prepared.parameters, now: now)
        default:
            return Self.notFound("Not Found")
        }
    }

    // MARK: Exports

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

    private func validateExport(_ query: QueryParameters, now: Int64) async -> (
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

    private func export(query: QueryParameters, now: Int64) async -> Response {
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
                    if let limit = faults.resetAfter, sent + Int64(chunk.readableBytes) >= limit {
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

    // MARK: Images

    private func snapshot(cameraID: String, recorded: Bool, query: QueryParameters, now: Int64) async -> Response {
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

    private func eventImage(eventID: String, kind: String, query: QueryParameters, now: Int64) async -> Response {
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

    // MARK: Control

    private func control(_ request: inout Request) async -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch (request.method, request.uri.path) {
        case (.get, "/__sim/stats"):
            return Self.json(.ok, (try? encoder.encode(await state.currentStats())) ?? Data())
        case (.post, "/__sim/stats/reset"):
            await state.resetStats()
            return Self.json(.ok, "{}")
        case (.get, "/__sim/faults"):
            return Self.json(.ok, (try? encoder.encode(await state.currentFaults())) ?? Data())
        case (.post, "/__sim/faults"):
            guard let body = try? await request.collectBody(upTo: 65_536),
                let faults = try? JSONDecoder().decode(FaultSettings.self, from: Data(buffer: body))
            else { return Self.json(.badRequest, Self.errorBody("The body must be a JSON object of fault settings.")) }
            await state.setFaults(faults)
            return Self.json(.ok, (try? encoder.encode(faults)) ?? Data())
        case (.post, "/__sim/events"):
            let body = try? await request.collectBody(upTo: 65_536)
            let wanted: LiveEventRequest?
            if let body, body.readableBytes > 0 {
                wanted = try? JSONDecoder().decode(LiveEventRequest.self, from: Data(buffer: body))
            } else {
                wanted = LiveEventRequest()
            }
            guard let wanted else {
                return Self.json(.badRequest, Self.errorBody("The body must be a JSON object describing the event."))
            }
            guard let plan = await state.startLiveEvent(wanted) else {
                return Self.notFound("No camera fits the event.")
            }
            let answer =
                #"{"id":"\#(plan.id)","socketId":"\#(plan.socketID)","camera":"\#(plan.camera.id)","#
                + #""type":"\#(plan.type)","milliseconds":\#(plan.milliseconds),"closedOnAdd":\#(plan.closedOnAdd)"#
                + (plan.linkedID.map { #","linkedId":"\#($0)""# } ?? "") + "}"
            return Self.json(.ok, answer)
        case (.post, "/__sim/expire-sessions"):
            await state.expireAllSessions()
            return Self.json(.ok, "{}")
        default:
            return Self.notFound("Unknown control endpoint")
        }
    }

    // MARK: Responses

    static func errorBody(_ message: String) -> String {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"error":"\#(escaped)"}"#
    }

    static func notFound(_ message: String) -> Response { json(.notFound, errorBody(message)) }

    static func json(_ status: HTTPResponse.Status, _ text: String, _ headers: HTTPFields = [:]) -> Response {
        json(status, Data(text.utf8), headers)
    }

    static func json(_ status: HTTPResponse.Status, _ data: Data, _ headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(status: Int) -> Response {
        if status == 500 {
            return json(.internalServerError, errorBody("Internal server error"))
        }
        let reason =
            status == 502 ? "Bad Gateway" : status == 504 ? "Gateway Time-out" : "Service Temporarily Unavailable"
        let html =
            "<html>\r\n<head><title>\(status) \(reason)</title></head>\r\n<body>\r\n<center><h1>\(status) \(reason)</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        return Response(
            status: HTTPResponse.Status(code: status, reasonPhrase: reason),
            headers: [.contentType: "text/html"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func loginPageResponse() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: loginPage)))
    }

    /// The console's web login page, as served instead of data when a session has expired on some versions.
    static let loginPage = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,\
        initial-scale=1"><title>UniFi OS</title><link rel="icon" href="/favicon.ico"><link href="/assets/app.css" \
        rel="stylesheet"></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root">\
        <div class="login"><form method="post" action="/api/auth/login"><input name="username" autocomplete="username">\
        <input name="password" type="password" autocomplete="current-password"><button type="submit">Sign In</button>\
        </form></div></div><script src="/assets/runtime.js"></script><script src="/assets/vendor.js"></script>\
        <script src="/assets/main.js"></script></body></html>

        """
}

/// Faults the simulator injects on purpose.
enum SimulatedFault: Error {
    /// The connection is dropped mid-body.
    case connectionReset
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }
}
