extension ArchiveMetrics {
    /// Sets the open alerts of a console, by kind (every kind present, 0 when none).
    public func setOpenAlerts(_ counts: [String: Int], console: String) {
        for (kind, count) in counts {
            gauge(
                "protect_dl_alerts_open", labels: [("console", console), ("kind", kind)],
                help: "Alerts raised and not yet recovered, by condition."
            ).set(to: Double(count))
        }
    }

    /// Sets when a camera's newest footage in the archive ends (Unix seconds).
    public func setNewestFootage(_ seconds: Double, console: String, camera: String) {
        gauge(
            "protect_dl_camera_newest_footage_timestamp_seconds", labels: [("console", console), ("camera", camera)],
            help: "Unix time at which the newest footage of the camera safely in the archive ends."
        ).set(to: seconds)
    }

    /// Counts one alert delivery, by channel (its label, without secrets) and result.
    public func recordNotification(channel: String, delivered: Bool) {
        counter(
            "protect_dl_notifications_total",
            labels: [("channel", channel), ("result", delivered ? "delivered" : "failed")],
            help: "Alert messages handed to a channel, by result (after retries)."
        ).increment()
    }
}
