import Hummingbird
import NIOCore

/// Plays the API's request faults once the caller is authenticated: a 401 for the next N calls, then a 5xx for the
/// next N (only exports and downloads with `failExportsOnly`).
struct FaultMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    let state: ConsoleState

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if await state.takeFault(\.unauthorizedCount) {
            return ConsoleRoutes.json(
                .unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Authentication required"}"#)
        }
        let faults = await state.currentFaults()
        let isExport = context.apiPath?.isExport ?? false
        if isExport || !faults.failExportsOnly, await state.takeFault(\.failCount) {
            return Self.failure(status: faults.failStatus)
        }
        return try await next(request, context)
    }

    /// A failed call: JSON from the console for 500, nginx's HTML page for a 502, 503 or 504.
    static func failure(status: Int) -> Response {
        if status == 500 {
            return ConsoleRoutes.json(.internalServerError, ConsoleRoutes.errorBody("Internal server error"))
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
}
