import Foundation
import Synchronization

/// Work that blocks (reading and hashing files) run on threads of its own, never on the cooperative pool.
enum BlockingWork {
    /// Applies `body` to every item on `width` threads; the results come in the items' order. A cancelled task
    /// stops handing out items (those not started come back nil).
    static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) -> Result
    ) async -> [Result?] {
        guard !items.isEmpty else { return [] }
        let next = Mutex(0)
        let results = Mutex([Result?](repeating: nil, count: items.count))
        let stopped = Mutex(false)
        let threads = max(1, min(width, items.count))
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let remaining = Mutex(threads)
                for _ in 0..<threads {
                    let thread = Thread {
                        while true {
                            let index: Int? = next.withLock { value in
                                guard value < items.count, !stopped.withLock({ $0 }) else { return nil }
                                defer { value += 1 }
                                return value
                            }
                            guard let index else { break }
                            let result = body(items[index])
                            results.withLock { $0[index] = result }
                        }
                        let last = remaining.withLock { count in
                            count -= 1
                            return count == 0
                        }
                        if last { continuation.resume(returning: results.withLock { $0 }) }
                    }
                    thread.start()
                }
            }
        } onCancel: {
            stopped.withLock { $0 = true }
        }
    }
}
