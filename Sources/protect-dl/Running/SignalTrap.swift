import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into cancellation, remembering which arrived; a second signal calls `onSecondSignal`.
final class SignalTrap: @unchecked Sendable {
    private let received = Mutex<(first: Int32, count: Int)>((0, 0))
    private var sources: [any DispatchSourceSignal] = []

    /// Starts watching; `onSignal` runs for the first signal, `onSecondSignal` for any later one.
    init(onSignal: @escaping @Sendable () -> Void, onSecondSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for number in [SIGINT, SIGTERM] {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let count = self.record(number)
                if count == 1 { onSignal() } else { onSecondSignal(self.receivedSignal) }
            }
            source.resume()
            sources.append(source)
        }
    }

    private func record(_ number: Int32) -> Int {
        received.withLock {
            if $0.first == 0 { $0.first = number }
            $0.count += 1
            return $0.count
        }
    }

    /// The first signal received, or 0.
    var receivedSignal: Int32 { received.withLock { $0.first } }

    func stop() {
        for source in sources { source.cancel() }
    }
}
