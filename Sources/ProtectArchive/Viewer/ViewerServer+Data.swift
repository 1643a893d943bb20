import Foundation
import Hummingbird

/// What the page's code asks for: the cameras, one camera's timeline over what is on screen, and the files to play.
extension ViewerServer {
    /// A camera as the page lists it.
    struct CameraInfo: Encodable {
        var id: String
        var name: String
        var first: Int64?
        var last: Int64?
    }

    /// The page's first question: the cameras and the console's time zone.
    struct Overview: Encodable {
        var zone: String
        var offsetSeconds: Int
        var cameras: [CameraInfo]
    }

    /// One camera's timeline: buckets as `[start, end, archived, empty, failed, missing]` and events as
    /// `[start, end, type]`.
    struct Timeline: Encodable {
        var buckets: [[Int64]]
        var events: [[String]]
    }

    /// A file to play: its span and where to fetch it.
    struct Playable: Encodable {
        var start: Int64
        var end: Int64
        var url: String
    }

    /// The stream the viewer shows.
    static let stream = "0"

    func addDataRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.get("api/cameras") { _, _ -> Response in
            let zone = try state.meta("timezone") ?? "UTC"
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let cameras = try state.cameras().map { camera in
                let span = try state.span(cameraID: camera.id, stream: Self.stream)
                return CameraInfo(id: camera.id, name: camera.name, first: span?.lowerBound, last: span?.upperBound)
            }
            return try Self.json(
                Overview(
                    zone: zone, offsetSeconds: DisplayZone.named(zone).offsetSeconds(at: now),
                    cameras: cameras.sorted { $0.name < $1.name }))
        }
        router.get("api/timeline") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let camera = query.get("camera"), let range = Self.range(query.get("from"), query.get("to")) else {
                return Self.text(.badRequest, "camera, from and to are needed")
            }
            let count = Int(query.get("buckets") ?? "") ?? 200
            let segments = try state.segments(cameraID: camera, stream: Self.stream, overlapping: range)
            let known = try state.span(cameraID: camera, stream: Self.stream)
            let buckets = ViewerTimeline.buckets(segments: segments, range: range, count: count, known: known)
            let events = try state.events(cameraID: camera, overlapping: range, limit: 2000)
            return try Self.json(
                Timeline(
                    buckets: buckets.map { [$0.start, $0.end, $0.archived, $0.empty, $0.failed, $0.missing] },
                    events: events.map { [String($0.start), String($0.end), $0.type] }))
        }
        router.get("api/segments") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let camera = query.get("camera"), let range = Self.range(query.get("from"), query.get("to")) else {
                return Self.text(.badRequest, "camera, from and to are needed")
            }
            let segments = try state.segments(cameraID: camera, stream: Self.stream, overlapping: range)
                .filter { $0.status == .complete }.prefix(48)
            let encoded = camera.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? camera
            return try Self.json(
                segments.map { Playable(start: $0.start, end: $0.end, url: "/media/\(encoded)/\($0.start).mp4") })
        }
    }

    /// `from` and `to` as milliseconds, at most ten years apart.
    static func range(_ from: String?, _ to: String?) -> Range<Int64>? {
        guard let from = from.flatMap({ Int64($0) }), let to = to.flatMap({ Int64($0) }), from < to,
            to - from <= 10 * 366 * 86_400_000
        else { return nil }
        return from..<to
    }
}
