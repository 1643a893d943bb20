import Hummingbird

extension ConsoleRoutes {
    /// A legacy console's routes (CloudKey, Protect 1.x): `POST /api/auth` answers a bearer token,
    /// `POST /api/auth/access-key` a key for video URLs, and the API lives under `/api/` (`/api/auth/login` is a 404
    /// whatever the method: `UnroutedMiddleware`).
    func addLegacyRoutes(to router: Router<Context>) {
        exactRoute(router, "/api/auth", counted: "login").post { request, _ in await login(request) }
        exactRoute(router, "/api/auth/access-key", counted: "access-key")
            .add(middleware: AuthenticationMiddleware(state: state, configuration: configuration, scope: .session))
            .post { _, _ in
                let key = await state.issueAccessKey()
                return Self.json(.ok, #"{"accessKey":"\#(key)"}"#)
            }
        addAPIRoutes(to: router.group("/api"))
    }
}
