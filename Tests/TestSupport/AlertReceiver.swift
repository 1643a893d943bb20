import Foundation
import Hummingbird
import Logging
import Synchronization
import Testing

/// A real HTTP server on loopback that keeps every POST it receives (webhooks, ntfy, apprise's json://), and can
/// answer the first few with an error.
public final class AlertReceiver: Sendable {
    public struct Received: Sendable {
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: Data
    }

    public let port: Int
    private let store = Mutex<(received: [Received], failFirst: Int)>(([], 0))

    private init(port: Int) { self.port = port }

    public var received: [Received] { store.withLock { $0.received } }
    /// What was received, as `kind event` strings (`camera-stale raised`, `files-refetched notice`).
    public var events: [String] {
        received.compactMap { request in
            guard let json = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] else { return nil }
            return "\(json["kind"] as? String ?? "?") \(json["event"] as? String ?? "?")"
        }
    }
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The next `count` requests are answered 500 (and still kept).
    public func failNext(_ count: Int) { store.withLock { $0.failFirst = count } }

    /// Runs `body` with a receiver listening.
    public static func with<T: Sendable>(_ body: @Sendable (AlertReceiver) async throws -> T) async throws -> T {
        let receiver = AlertReceiver(port: try freePort())
        let router = Router()
        router.post("**") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let failing = receiver.store.withLock { store -> Bool in
                store.received.append(
                    Received(path: request.uri.path, headers: headers, body: Data(buffer.readableBytesView)))
                guard store.failFirst > 0 else { return false }
                store.failFirst -= 1
                return true
            }
            return Response(status: failing ? .internalServerError : .ok)
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiver.port)),
            logger: {
                var quiet = Logger(label: "receiver")
                quiet.logLevel = .critical
                return quiet
            }())
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        try await eventually("the receiver listens") { isListening(receiver.port) }
        return try await body(receiver)
    }
}
