import Hummingbird

/// Declines a route the router matched only loosely: the console compares such paths as exact strings, so a
/// trailing, leading-less or doubled slash is answered as a path no route takes (`UnroutedMiddleware`).
struct ExactPathMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // The router skips empty components; a route without parameters matched, so only they can differ.
        let path = request.uri.path
        guard path.hasPrefix("/"), !path.contains("//"), path == "/" || !path.hasSuffix("/") else {
            throw HTTPError(.notFound)
        }
        return try await next(request, context)
    }
}
