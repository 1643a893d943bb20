import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// A request's context: its connection, the name its answer counts under, and what the middlewares found.
struct ConsoleRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// The endpoint the answer counts under in the console's statistics, set by whichever route or fallback answers.
    let endpoint: EndpointName
    /// The API call below the API prefix, once `APIPathMiddleware` has accepted it.
    var apiPath: APIPath?
    /// Headers a valid session adds to the handler's answer (a rotated CSRF token).
    var sessionHeaders: HTTPFields = [:]

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        endpoint = EndpointName()
    }
}

/// The statistics name of the endpoint a request reached, shared by the middlewares that set and read it.
final class EndpointName: Sendable {
    private let box = NIOLockedValueBox("unknown")

    var value: String {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}
