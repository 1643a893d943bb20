import Foundation
import Prometheus
import Synchronization

/// What a long-running `sync` or `watch` has done, per console, as Prometheus metrics; and whether it is healthy.
public final class ArchiveMetrics: Sendable {
    /// One console's health: the last pass, and how often passes are due.
    struct Health {
        var period: Double
        var lastSuccess: Int64?
        var lastFailure: Int64?
        var lastError: String?
        var connection: String?
    }

    private let registry = PrometheusCollectorRegistry()
    private let clock: WallClock
    private let health = Mutex([String: Health]())

    public init(clock: WallClock = .system) {
        self.clock = clock
    }

    /// Declares a console and the period within which a pass must succeed for `/healthz` to answer 200.
    public func register(console: String, period: Double) {
        health.withLock { $0[console] = Health(period: period) }
        for kind in ["segment", "clip"] {
            for outcome in ["saved", "failed", "skipped"] { _ = files(console, kind, outcome) }
        }
        _ = counter("protect_dl_bytes_total", labels: [("console", console)], help: Help.bytes)
        _ = counter("protect_dl_retries_total", labels: [("console", console)], help: Help.retries)
        _ = counter("protect_dl_passes_total", labels: [("console", console), ("result", "ok")], help: Help.passes)
        _ = counter("protect_dl_passes_total", labels: [("console", console), ("result", "failed")], help: Help.passes)
        _ = gauge("protect_dl_queue_length", labels: [("console", console)], help: Help.queue)
    }

    private enum Help {
        static let files = "Files handled: hourly segments and event clips, saved, failed or skipped."
        static let bytes = "Bytes of video downloaded."
        static let retries = "Download attempts retried after a failure."
        static let passes = "Sync passes (and watch's hourly passes), by result."
        static let lastSuccess = "Unix time of the last successful pass."
        static let websocket = "1 while the console's realtime websocket is connected."
        static let queue = "Event clips waiting or in flight."
        static let healthy = "1 while every console's last pass succeeded within its period."
    }

    func counter(_ name: String, labels: [(String, String)], help: String) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    private func files(_ console: String, _ kind: String, _ outcome: String) -> Counter {
        counter(
            "protect_dl_files_total", labels: [("console", console), ("kind", kind), ("outcome", outcome)],
            help: Help.files)
    }

    /// Counts what the download engine reports.
    public func record(_ event: DownloadEvent, console: String, kind: String = "segment") {
        switch event {
        case .downloaded(_, let bytes, _, _, _, _):
            files(console, kind, "saved").increment()
            counter("protect_dl_bytes_total", labels: [("console", console)], help: Help.bytes)
                .increment(by: bytes)
        case .skippedExisting, .skippedPlaceholder, .noFootage:
            files(console, kind, "skipped").increment()
        case .failed:
            files(console, kind, "failed").increment()
        case .retrying:
            counter("protect_dl_retries_total", labels: [("console", console)], help: Help.retries)
                .increment()
        default:
            break
        }
    }

    /// Counts what `watch` reports.
    public func record(_ event: WatchEvent, console: String) {
        switch event {
        case .connected:
            setConnection(console, "connected")
            passSucceeded(console: console)
        case .disconnected(let reason, _):
            setConnection(console, "waiting")
            passFailed(console: console, reason: reason)
        case .clipSaved(let clip):
            files(console, "clip", "saved").increment()
            counter("protect_dl_bytes_total", labels: [("console", console)], help: Help.bytes)
                .increment(by: clip.bytes)
        case .clipFailed(_, _, let retryIn):
            if retryIn != nil {
                counter("protect_dl_retries_total", labels: [("console", console)], help: Help.retries).increment()
            } else {
                files(console, "clip", "failed").increment()
            }
        case .heartbeat(let status):
            gauge("protect_dl_queue_length", labels: [("console", console)], help: Help.queue)
                .set(to: Double(status.queued + status.inFlight))
        case .hoursPass(let report):
            if report.summary.failed == 0 { passSucceeded(console: console) }
        default:
            break
        }
    }

    /// Sets the queue length of `watch` (clips waiting and in flight).
    public func setQueue(_ count: Int, console: String) {
        gauge("protect_dl_queue_length", labels: [("console", console)], help: Help.queue)
            .set(to: Double(count))
    }

    private func setConnection(_ console: String, _ state: String) {
        gauge("protect_dl_websocket_connected", labels: [("console", console)], help: Help.websocket)
            .set(to: state == "connected" ? 1.0 : 0.0)
        health.withLock { $0[console, default: Health(period: 300)].connection = state }
    }

    /// A pass (or a websocket connection) succeeded now.
    public func passSucceeded(console: String) {
        let now = clock.now()
        health.withLock {
            $0[console, default: Health(period: 300)].lastSuccess = now
            $0[console]?.lastError = nil
        }
        counter("protect_dl_passes_total", labels: [("console", console), ("result", "ok")], help: Help.passes)
            .increment()
        gauge("protect_dl_last_success_timestamp_seconds", labels: [("console", console)], help: Help.lastSuccess).set(
            to: Double(now) / 1000)
    }

    /// A pass failed now.
    public func passFailed(console: String, reason: String) {
        health.withLock {
            $0[console, default: Health(period: 300)].lastFailure = clock.now()
            $0[console]?.lastError = reason
        }
        counter("protect_dl_passes_total", labels: [("console", console), ("result", "failed")], help: Help.passes)
            .increment()
    }

    /// Healthy while every console's last pass succeeded, no longer ago than its period plus the time a pass may
    /// take (the period again, at least a minute); for `watch`, while its websocket is connected. Returns the reasons it is not.
    public func problems() -> [String] {
        let now = clock.now()
        return health.withLock { health in
            health.sorted { $0.key < $1.key }.compactMap { console, state -> String? in
                // watch: healthy while its websocket is connected.
                if let connection = state.connection {
                    guard connection != "connected" else { return nil }
                    return "\(console): websocket \(connection)" + (state.lastError.map { " (\($0))" } ?? "")
                }
                // The first pass (a long first back-fill) is running: healthy, and said so by `notes()`.
                guard let success = state.lastSuccess else {
                    return state.lastError.map { "\(console): last pass failed: \($0)" }
                }
                if let failure = state.lastFailure, failure > success {
                    return "\(console): last pass failed: \(state.lastError ?? "unknown")"
                }
                if Double(now - success) / 1000 > state.period + max(state.period, 60) {
                    return "\(console): no successful pass for \(Int(Double(now - success) / 1000)) s"
                }
                return nil
            }
        }
    }

    /// What is healthy but worth saying: consoles whose first pass is still running.
    public func notes() -> [String] {
        health.withLock { health in
            health.sorted { $0.key < $1.key }.compactMap { console, state in
                state.connection == nil && state.lastSuccess == nil && state.lastError == nil
                    ? "\(console): first pass running" : nil
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        gauge("protect_dl_healthy", labels: [], help: Help.healthy).set(to: problems().isEmpty ? 1.0 : 0.0)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
