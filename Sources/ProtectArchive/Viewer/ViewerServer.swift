import Foundation
import Hummingbird
import Logging
import NIOCore
import ProtectAPI

/// `serve`: a read-only viewer of a local archive in the browser (the page and its code are served from here; no
/// network beyond the machine is used). Loopback needs no login; any other address needs the password.
public struct ViewerServer: Sendable {
    /// Why the viewer cannot start.
    public enum StartError: Error, LocalizedError, Equatable {
        /// A non-loopback address without a password.
        case authenticationRequired(String)
        /// The address could not be listened on.
        case cannotListen(String, reason: String)

        public var errorDescription: String? {
            switch self {
            case .authenticationRequired(let address):
                return "\(address) is reachable from other machines; give --password-file so that the viewer asks "
                    + "for a password (loopback addresses need none)."
            case .cannotListen(let address, let reason):
                return "The viewer cannot listen on \(address) (\(reason)); choose another --listen."
            }
        }
    }

    public var address: MetricsServer.Address
    public var destination: URL
    public var state: ArchiveState
    /// The password the page asks for (nil: none, loopback only).
    public var password: String?
    /// How long a wrong password waits before its answer.
    public var failureDelay: Duration = .seconds(1)
    public var ffmpeg = FFmpeg()
    public var logger: Logger

    public init(address: MetricsServer.Address, destination: URL, state: ArchiveState, logger: Logger) {
        self.address = address
        self.destination = destination
        self.state = state
        self.logger = logger
    }

    /// Whether `host` only reaches this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Listens, calls `body` with the port listened on, and stops when it returns or throws.
    public func withRunning<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        guard password != nil || Self.isLoopback(address.host) else {
            throw StartError.authenticationRequired("\(address.host):\(address.port)")
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let text = "\(address.host):\(address.port)"
        return try await HTTPServing.withRunning(
            router: router(sessions: ViewerSessions()), host: address.host, port: address.port,
            serverName: "protect-dl", logger: quiet,
            listenFailure: { StartError.cannotListen(text, reason: ErrorText.sentence($0)) }, body)
    }

    /// The viewer's routes, behind the login when a password is set.
    func router(sessions: ViewerSessions) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ViewerHeadersMiddleware())
        if let password {
            router.add(
                middleware: ViewerLoginMiddleware(password: password, sessions: sessions, failureDelay: failureDelay))
        }
        addPageRoutes(to: router)
        addDataRoutes(to: router)
        addMediaRoutes(to: router)
        return router
    }

    /// A response with `text` as its body.
    static func text(_ status: HTTPResponse.Status, _ text: String, type: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A JSON response.
    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
