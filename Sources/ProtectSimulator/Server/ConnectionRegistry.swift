import NIOConcurrencyHelpers
import NIOCore

/// The connections one run of the console's server accepted, so that a restart can close them all as a rebooting
/// console does; a connection accepted after that is closed at once.
final class ConnectionRegistry: Sendable {
    private struct Connections {
        var open: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let connections = NIOLockedValueBox(Connections())

    /// Remembers a connection until it closes (or closes it, once the server has closed them all).
    func register(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let kept = connections.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.open[key] = channel
            return true
        }
        guard kept else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [connections] _ in
            _ = connections.withLockedValue { $0.open.removeValue(forKey: key) }
        }
    }

    /// Closes every open connection, and every one registered later.
    func closeAll() {
        let open = connections.withLockedValue { state in
            state.closed = true
            return state.open
        }
        for channel in open.values { channel.close(promise: nil) }
    }
}
