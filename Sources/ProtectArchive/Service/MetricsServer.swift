import Foundation
import Hummingbird
import Logging
import NIOCore
import ProtectAPI

/// Serves `ArchiveMetrics` over plain HTTP: `/metrics` (Prometheus text) and `/healthz` (200 or 503 with reasons).
public struct MetricsServer: Sendable {
    /// `--metrics-address`: where to listen.
    public struct Address: Sendable, Equatable {
        public var host: String
        public var port: Int

        /// Reads `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces).
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host.isEmpty ? "0.0.0.0" : host
            self.port = port
        }
    }

    /// The address could not be listened on.
    public struct ListenError: Error, LocalizedError {
        public var address: String
        public var underlying: any Error
        public var errorDescription: String? {
            switch (underlying as? IOError)?.errnoCode {
            case EADDRINUSE:
                return "Cannot serve metrics on \(address): another program already listens on that port; choose "
                    + "another --metrics-address, or stop the other program."
            case EACCES:
                return "Cannot serve metrics on \(address): ports below 1024 need privileges; choose a port above 1023."
            case EADDRNOTAVAIL:
                return "Cannot serve metrics on \(address): that address is not one of this machine's; use "
                    + "127.0.0.1:PORT, or :PORT for every interface."
            default:
                return "Cannot serve metrics on \(address): \(ErrorText.sentence(underlying))."
            }
        }
    }

    public var address: Address
    public var metrics: ArchiveMetrics
    public var logger: Logger

    public init(address: Address, metrics: ArchiveMetrics, logger: Logger) {
        self.address = address
        self.metrics = metrics
        self.logger = logger
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let metrics = self.metrics
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("healthz") { _, _ -> Response in
            let problems = metrics.problems()
            let text = problems.isEmpty ? (["ok"] + metrics.notes()) : problems
            return Response(
                status: problems.isEmpty ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text.joined(separator: "\n") + "\n")))
        }
        return router
    }

    /// Listens, runs `body`, and stops listening when it returns or throws.
    public func withRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        // Hummingbird logs a clean shutdown's closed connections as errors: its failures that matter (a port in
        // use) come back as `ListenError`, so only its critical lines are shown.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .critical)
        let text = "\(address.host):\(address.port)"
        return try await HTTPServing.withRunning(
            router: router(), host: address.host, port: address.port, logger: quiet,
            listenFailure: { ListenError(address: text, underlying: $0) }, { _ in try await body() })
    }
}
