import HummingbirdCore
import Logging
import NIOCore

/// A server child channel known to a `ConnectionRegistry` from its accept, before TLS or any request: a connection a
/// client's pool opened ahead, with nothing of HTTP on it yet to hear a shutdown, is closed by a restart too.
struct RegisteredChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let registry: ConnectionRegistry

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        registry.register(channel)
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
