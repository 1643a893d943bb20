/// Asks a running console to restart: each request carries the seconds the console stays down.
actor RestartSignal {
    private var pending: [Double] = []
    private var waiter: CheckedContinuation<Double?, Never>?

    func request(downSeconds: Double) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: downSeconds)
        } else {
            pending.append(downSeconds)
        }
    }

    /// The next request's down time, or nil when the waiting task is cancelled.
    func next() async -> Double? {
        if !pending.isEmpty { return pending.removeFirst() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    waiter = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter() }
        }
    }

    private func cancelWaiter() {
        waiter?.resume(returning: nil)
        waiter = nil
    }
}
