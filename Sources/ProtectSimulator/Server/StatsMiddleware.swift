import Hummingbird
import Logging

/// Counts every answer by status and endpoint.
struct StatsMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    let state: ConsoleState
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        await state.record(status: Int(response.status.code), endpoint: context.endpoint.value)
        logger.debug("\(request.method) \(request.uri.path) → \(response.status.code)")
        return response
    }
}

/// Names the endpoint a group's answers count under in the statistics.
struct EndpointNameMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    let name: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        context.endpoint.value = name
        return try await next(request, context)
    }
}
