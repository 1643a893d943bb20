import Hummingbird

/// Answers what no route takes (or a route declined) as the console does, in the order it always checked them.
///
/// An unknown `/__sim/` endpoint is a 404 of its own; a legacy console's `/api/auth/login` is a 404 whatever the
/// method and without a session check; any other method or path under the API prefix passes the API's checks
/// (session, faults) before its 404; anything else is the console's bare 404.
struct UnroutedMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    let routes: ConsoleRoutes

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return try await unrouted(request, context: context)
        }
    }

    private func unrouted(_ request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/__sim/") {
            context.endpoint.value = "control"
            return ConsoleRoutes.notFound("Unknown control endpoint")
        }
        if routes.configuration.mode == .legacy, path == "/api/auth/login" {
            context.endpoint.value = "login"
            return ConsoleRoutes.json(.notFound, #"{"error":"Not Found"}"#)
        }
        if path.hasPrefix(routes.apiPrefix) {
            return try await Self.chain(routes.apiMiddlewares()[...], request, context) { _, _ in
                ConsoleRoutes.notFound("Not Found")
            }
        }
        context.endpoint.value = "unknown"
        return ConsoleRoutes.json(.notFound, #"{"error":"Not Found"}"#)
    }

    /// Runs `middlewares` in order around `handler`, as a route group would.
    private static func chain(
        _ middlewares: ArraySlice<any MiddlewareProtocol<Request, Response, Context>>, _ request: Request,
        _ context: Context,
        handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let first = middlewares.first else { return try await handler(request, context) }
        return try await first.handle(request, context: context) { request, context in
            try await chain(middlewares.dropFirst(), request, context, handler: handler)
        }
    }
}
