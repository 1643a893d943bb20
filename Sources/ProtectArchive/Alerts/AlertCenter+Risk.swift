extension AlertCenter {
    /// A pass's backlog: a camera whose unsaved hours start within `settings.riskMargin` of the console's oldest
    /// recording is `footage-at-risk` (the console catches up with the archive's gap and deletes them at its
    /// retention); one whose hours are all saved, or far enough from it, recovers.
    public func footageAtRisk(_ backlog: [CameraBacklog]) {
        for camera in backlog {
            let hours = camera.atRisk(margin: settings.riskMargin)
            var detail = ""
            if let first = hours.first {
                let left = Int((first - camera.consoleOldest) / 1000)
                let when =
                    left > 0
                    ? "the console deletes them in about \(AlertPayload.duration(left)) at its retention"
                    : "the console has begun deleting them"
                detail =
                    "\(hours.count) hours of \(camera.name) not yet in the archive (the oldest from "
                    + "\(AlertPayload.iso(first))) are next to the console's oldest recording "
                    + "(\(AlertPayload.iso(camera.consoleOldest))): \(when); let sync catch up or fix what fails."
            }
            observe(
                .footageAtRisk, active: !hours.isEmpty, detail: detail, subject: camera.cameraID, label: camera.name)
        }
    }
}
