import Foundation
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// The Protect API in `group` (at the API prefix), behind `apiMiddlewares()`: cameras, events, images and
    /// exports. Any other method or path under the prefix is a 404 after the same checks (`UnroutedMiddleware`).
    func addAPIRoutes(to group: RouterGroup<Context>) {
        for middleware in apiMiddlewares() { group.add(middleware: middleware) }
        group.get("bootstrap") { _, _ in await bootstrap() }
        group.get("cameras") { _, _ in await cameras() }
        group.get("nvr") { _, _ in await nvr() }
        group.get("cameras/:id") { _, context in await camera(id: context.parameters.get("id") ?? "") }
        group.patch("cameras/:id") { request, context in
            await updateCamera(id: context.parameters.get("id") ?? "", request: request)
        }
        group.get("cameras/:id/snapshot") { request, context in
            await snapshot(
                cameraID: context.parameters.get("id") ?? "", recorded: false,
                query: QueryParameters(request.uri.query),
                now: configuration.clock.now())
        }
        group.get("cameras/:id/recording-snapshot") { request, context in
            await snapshot(
                cameraID: context.parameters.get("id") ?? "", recorded: true, query: QueryParameters(request.uri.query),
                now: configuration.clock.now())
        }
        group.get("events") { request, _ in await events(query: QueryParameters(request.uri.query)) }
        group.get("events/:id") { _, context in
            guard let event = await state.event(id: context.parameters.get("id") ?? "") else {
                return Self.notFound("Event not found")
            }
            return Self.json(.ok, event.json)
        }
        group.get("events/:id/:kind") { request, context in
            await eventImage(
                eventID: context.parameters.get("id") ?? "", kind: context.parameters.get("kind") ?? "",
                query: QueryParameters(request.uri.query), now: configuration.clock.now())
        }
        addVideoRoutes(to: group)
    }

    /// `video/export` (one step), `video/prepare` and `video/download` (two steps).
    private func addVideoRoutes(to group: RouterGroup<Context>) {
        group.get("video/export") { request, _ in
            let now = configuration.clock.now()
            if configuration.firmware == .brokenExport {
                return Self.json(.internalServerError, #"{"error":"Unable to export video: Error: remux failed"}"#)
            }
            return await export(query: QueryParameters(request.uri.query), now: now)
        }
        group.get("video/prepare") { request, _ in
            let now = configuration.clock.now()
            let query = QueryParameters(request.uri.query)
            if let problem = await validateExport(query, now: now).problem { return problem }
            let name = await state.prepare(camera: query.first("camera") ?? "", parameters: query)
            return Self.json(.ok, #"{"fileName":"\#(name)"}"#)
        }
        group.get("video/download") { request, _ in
            let now = configuration.clock.now()
            let query = QueryParameters(request.uri.query)
            guard let name = query.first("filename"), let prepared = await state.preparedExport(named: name),
                prepared.camera == query.first("camera")
            else {
                return Self.notFound("Export file not found")
            }
            return await export(query: prepared.parameters, now: now)
        }
    }

    private func bootstrap() async -> Response {
        let now = configuration.clock.now()
        let catalog = await state.catalog
        guard
            let data = try? catalog.bootstrapJSON(
                now: now, accessKey: "", lastUpdateID: await state.feed.lastUpdateID, motion: await state.motion)
        else {
            return Self.json(.internalServerError, #"{"error":"bootstrap failed"}"#)
        }
        return Self.json(.ok, data)
    }

    private func cameras() async -> Response {
        let now = configuration.clock.now()
        guard let data = try? await state.catalog.camerasJSON(now: now, motion: await state.motion) else {
            return Self.json(.internalServerError, #"{"error":"cameras failed"}"#)
        }
        return Self.json(.ok, data)
    }

    private func nvr() async -> Response {
        let now = configuration.clock.now()
        let nvr = await state.catalog.nvrObject(now: now)
        return Self.json(.ok, (try? JSONSerialization.data(withJSONObject: nvr, options: [.sortedKeys])) ?? Data())
    }

    private func camera(id: String) async -> Response {
        let now = configuration.clock.now()
        let catalog = await state.catalog
        guard let camera = catalog.camera(id: id) else { return Self.notFound("Camera not found") }
        let object = catalog.cameraObject(camera, now: now, motion: await state.motion[camera.id])
        return Self.json(.ok, (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// `PATCH cameras/:id`: renames the camera when the body has a `name`.
    private func updateCamera(id: String, request: Request) async -> Response {
        let now = configuration.clock.now()
        var request = request
        guard let body = try? await request.collectBody(upTo: 65_536),
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        else { return Self.json(.badRequest, #"{"error":"Invalid JSON body"}"#) }
        if let name = object["name"] as? String, !(await state.rename(camera: id, to: name)) {
            return Self.notFound("Camera not found")
        }
        guard let camera = await state.catalog.camera(id: id) else {
            return Self.notFound("Camera not found")
        }
        let json = await state.catalog.cameraObject(camera, now: now)
        return Self.json(.ok, (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data())
    }

    private func events(query: QueryParameters) async -> Response {
        let events = await state.queryEvents(query)
        var data = Data("[".utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { data.append(contentsOf: Array(",".utf8)) }
            data.append(event.json)
        }
        data.append(contentsOf: Array("]".utf8))
        return Self.json(.ok, data)
    }
}
