import Foundation
import Hummingbird
import NIOCore

/// The files the page plays (with HTTP range requests), the cameras' stills, and clips to save. Files are found
/// through the state, never from a path in the request, and each is checked to resolve inside the archive.
extension ViewerServer {
    func addMediaRoutes(to router: Router<BasicRequestContext>) {
        let server = self
        let stills = StillCache()
        router.get("media/:camera/:file") { request, context -> Response in
            guard let camera = context.parameters.get("camera"), let file = context.parameters.get("file"),
                file.hasSuffix(".mp4"), let start = Int64(file.dropLast(4)),
                let path = try server.archivedFile(camera: camera, start: start)
            else { return Self.text(.notFound, "no such file") }
            return try await Self.serveFile(path, type: "video/mp4", request: request, context: context)
        }
        router.get("still/:camera") { _, context -> Response in
            guard let camera = context.parameters.get("camera"),
                let latest = try server.state.span(cameraID: camera, stream: Self.stream),
                let segment = try server.state.segments(
                    cameraID: camera, stream: Self.stream, overlapping: (latest.upperBound - 1)..<latest.upperBound
                ).last(where: { $0.status == .complete }),
                let path = try server.archivedFile(camera: camera, start: segment.start)
            else { return Self.text(.notFound, "no still") }
            let jpeg = try await stills.still(of: path) {
                try await server.ffmpeg.output(
                    [
                        "-sseof", "-3", "-i", path, "-frames:v", "1", "-vf", "scale=320:-2", "-f", "image2", "-c:v",
                        "mjpeg", "-q:v", "6", "pipe:1",
                    ], input: path)
            }
            return Response(
                status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: jpeg)))
        }
        router.get("api/clip") { request, context -> Response in
            let query = request.uri.queryParameters
            guard let camera = query.get("camera"), let range = Self.range(query.get("from"), query.get("to")),
                range.count <= 24 * 3_600_000
            else { return Self.text(.badRequest, "camera, from and to (at most a day apart) are needed") }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-viewer-\(UUID())")
            var clip = ClipRequest(
                destination: server.destination, cameras: [camera], range: range,
                output: folder.appendingPathComponent("clip.mp4"))
            clip.allowGaps = true
            clip.ffmpeg = server.ffmpeg
            do {
                let results = try await ClipJob(request: clip).run(state: server.state)
                var response = try await Self.serveFile(
                    results[0].path, type: "video/mp4", request: request, context: context
                ) {
                    try? FileManager.default.removeItem(at: folder)
                }
                let name = results[0].camera.name.filter { $0.isLetter || $0.isNumber }
                response.headers[.contentDisposition] = "attachment; filename=\"\(name)-\(range.lowerBound).mp4\""
                return response
            } catch let error as MediaError {
                try? FileManager.default.removeItem(at: folder)
                return Self.text(.unprocessableContent, error.errorDescription ?? "no clip")
            }
        }
    }

    /// The absolute path of a complete file of the archive, when it resolves inside the archive.
    func archivedFile(camera: String, start: Int64) throws -> String? {
        guard
            let record = try state.segments(cameraID: camera, stream: Self.stream, overlapping: start..<(start + 1))
                .first(where: { $0.start == start && $0.status == .complete })
        else { return nil }
        guard (try? SafePath.check(record.path, in: destination)) != nil else { return nil }
        let path = destination.appendingPathComponent(record.path).path
        guard let resolved = realpath(path, nil), let root = realpath(destination.path, nil) else { return nil }
        defer {
            free(resolved)
            free(root)
        }
        let inside = String(cString: resolved).hasPrefix(String(cString: root) + "/")
        return inside ? path : nil
    }

    /// A file with `Range` requests answered (206 with `Content-Range`, 416 when out of bounds); `done` runs once the
    /// body has been sent.
    static func serveFile(
        _ path: String, type: String, request: Request, context: BasicRequestContext,
        done: (@Sendable () -> Void)? = nil
    ) async throws -> Response {
        guard let size = LocalFile.size(path), size > 0 else { return text(.notFound, "no such file") }
        var headers: HTTPFields = [.contentType: type, .acceptRanges: "bytes", .cacheControl: "max-age=3600"]
        var range: ClosedRange<Int> = 0...Int(size - 1)
        var status = HTTPResponse.Status.ok
        if let asked = request.headers[.range] {
            guard let parsed = ByteRange.parse(asked, size: Int(size)) else {
                headers[.contentRange] = "bytes */\(size)"
                done?()
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            range = parsed
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        // Chunks of 64 KiB: the file reader keeps up to eight read ahead for each stream a browser holds open.
        let body = try await FileIO().loadFile(path: path, range: range, context: context, chunkLength: 64 * 1024)
        guard let done else { return Response(status: status, headers: headers, body: body) }
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: range.count) { writer in
                defer { done() }
                try await body.write(writer)
            })
    }
}

/// One `Range: bytes=…` header's single range, within a file of `size` bytes.
enum ByteRange {
    static func parse(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), !header.contains(","), size > 0 else { return nil }
        let parts = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(parts[0]), start < size else { return nil }
        if parts[1].isEmpty { return start...(size - 1) }
        guard let end = Int(parts[1]), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}
