import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a Hummingbird router for the length of a body: listens, hands `body` the port, stops when it ends.
enum HTTPServing {
    /// The server ended before it listened, with no error of its own.
    struct StoppedBeforeListening: Error, CustomStringConvertible {
        var description: String { "the server stopped before it listened" }
    }

    /// Listens on `host:port` (0: any free port), calls `body` with the port listened on, and shuts the server down
    /// gracefully when `body` returns or throws. A failure to listen comes back through `listenFailure`.
    static func withRunning<T: Sendable>(
        router: Router<BasicRequestContext>, host: String, port: Int, serverName: String? = nil, logger: Logger,
        listenFailure: @escaping @Sendable (any Error) -> any Error, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? port) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                do {
                    try await group.run()
                } catch {
                    throw listenFailure(error)
                }
            }
            var iterator = stream.makeAsyncIterator()
            guard let listening = await iterator.next() else {
                try await tasks.waitForAll()
                throw listenFailure(StoppedBeforeListening())
            }
            do {
                let result = try await body(listening)
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
