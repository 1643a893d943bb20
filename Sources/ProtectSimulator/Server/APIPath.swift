import Hummingbird

/// An API call's path below the API prefix, in components (empty ones skipped, as the router skips them).
struct APIPath: Sendable {
    let parts: [String]

    init(_ path: Substring) {
        parts = path.split(separator: "/").map(String.init)
    }

    /// The name the call counts under in the statistics: `api`, `cameras`, `export`, `cameras/snapshot`, …
    var endpointName: String {
        switch parts.count {
        case 0: return "api"
        case 1: return parts[0]
        case 2: return parts[0] == "video" ? parts[1] : parts[0]
        default: return "\(parts[0])/\(parts[2])"
        }
    }

    /// Under `video/`, where a legacy console accepts an access key instead of a session.
    var isVideo: Bool { parts.first == "video" }

    /// A two-part `video/` call other than `prepare` (an export or a download): what `failExportsOnly` targets.
    var isExport: Bool { isVideo && parts.count == 2 && parts[1] != "prepare" }
}

/// Takes the API prefix off an API call and names its endpoint; declines a route reached without the exact prefix.
struct APIPathMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    let prefix: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(prefix) else { throw HTTPError(.notFound) }
        var context = context
        let api = APIPath(path.dropFirst(prefix.count))
        context.apiPath = api
        context.endpoint.value = api.endpointName
        return try await next(request, context)
    }
}
