import Hummingbird

extension ConsoleRoutes {
    /// A UniFi OS console's routes: login and logout under `/api/auth/`, the account at `/api/users/self`, the
    /// websocket's path (a request that reaches it was not upgraded) and the API under `/proxy/protect/api/`.
    func addUniFiOSRoutes(to router: Router<Context>) {
        let session = AuthenticationMiddleware(state: state, configuration: configuration, scope: .session)
        exactRoute(router, "/api/auth/login", counted: "login").post { request, _ in await login(request) }
        exactRoute(router, "/api/auth/logout", counted: "logout").post { request, _ in
            if let token = AuthenticationMiddleware.sessionToken(of: request, configuration: configuration) {
                await state.logout(token: token)
            }
            return Self.json(.ok, #"{}"#)
        }
        exactRoute(router, "/api/users/self", counted: "self").add(middleware: session).get { _, context in
            Self.json(.ok, #"{"username":"\#(configuration.authentication.username)"}"#, context.sessionHeaders)
        }
        // Reached only when the websocket upgrade was declined: no valid session, or the 401 fault.
        exactRoute(router, RouterPath(WebSocketEndpoint.path), counted: "websocket").add(middleware: session).get {
            request, _ in
            request.headers[.upgrade]?.lowercased() == "websocket"
                ? Self.json(.unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Session ended"}"#)
                : Self.json(.badRequest, Self.errorBody("A websocket upgrade is required."))
        }
        addAPIRoutes(to: router.group("/proxy/protect/api"))
    }
}
