import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The console's routes, as a console of the configured generation has them, on a Hummingbird `Router`.
///
/// Every request goes through `StatsMiddleware` (its connection registered, its answer counted) and
/// `UnroutedMiddleware` (what no route takes gets the console's 404s, and the API's checks first under the API
/// prefix). The routes themselves are in one group per concern: the login page, one generation's login and API
/// (`ConsoleRoutes+Legacy`, `ConsoleRoutes+UniFiOS`, `ConsoleRoutes+API`) and the simulator's controls.
struct ConsoleRoutes: Sendable {
    typealias Context = ConsoleRequestContext

    let state: ConsoleState
    let configuration: SimulatorConfiguration
    let timeline: RecordingTimeline
    let logger: Logger

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let updatedCSRFHeader = HTTPField.Name("X-Updated-CSRF-Token")!
    static let retryAfterHeader = HTTPField.Name("Retry-After")!

    /// Where the Protect API lives on this generation.
    var apiPrefix: String { configuration.mode == .legacy ? "/api/" : "/proxy/protect/api/" }

    /// The router of a console of the configured generation.
    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: StatsMiddleware(state: state, logger: logger))
        router.add(middleware: UnroutedMiddleware(routes: self))
        exactRoute(router, "/", counted: "root").get { _, _ in rootPage() }
        switch configuration.mode {
        case .legacy: addLegacyRoutes(to: router)
        case .unifiOS: addUniFiOSRoutes(to: router)
        }
        ControlRoutes(state: state).add(to: router)
        return router
    }

    /// A group for one route matched as an exact string (a trailing or doubled slash does not reach it), whose
    /// answers count under `name`.
    func exactRoute(_ router: Router<Context>, _ path: RouterPath, counted name: String) -> RouterGroup<Context> {
        router.group(path).add(middleware: ExactPathMiddleware()).add(middleware: EndpointNameMiddleware(name: name))
    }

    /// The middlewares every API call passes, in order: the prefix taken off, the session (or access key)
    /// checked, the faults played, the rotated CSRF token added to the handler's answer.
    func apiMiddlewares() -> [any MiddlewareProtocol<Request, Response, Context>] {
        [
            APIPathMiddleware(prefix: apiPrefix),
            AuthenticationMiddleware(state: state, configuration: configuration, scope: .api),
            FaultMiddleware(state: state),
            SessionHeadersMiddleware(),
        ]
    }
}
