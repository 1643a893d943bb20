import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The connections a console serves, so that a restart can close them all as a rebooting console does.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Remembers a connection until it closes.
    func register(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let added = channels.withLockedValue { open -> Bool in
            guard open[key] == nil else { return false }
            open[key] = channel
            return true
        }
        if added {
            channel.closeFuture.whenComplete { [channels] _ in
                _ = channels.withLockedValue { $0.removeValue(forKey: key) }
            }
        }
    }

    /// Closes every open connection.
    func closeAll() {
        let open = channels.withLockedValue { $0 }
        for channel in open.values { channel.close(promise: nil) }
    }
}
