import ProtectAPI

extension ArchiveMetrics {
    /// Records how a sync pass ended: a pass with failed hours counts as failed, with how many.
    public func record(_ outcome: SyncService.Outcome, console: String) {
        switch outcome {
        case .completed(let report):
            if report.summary.failed == 0 {
                passSucceeded(console: console)
            } else {
                passFailed(console: console, reason: "\(report.summary.failed) hours failed")
            }
        case .failed(let error, _):
            passFailed(console: console, reason: ErrorText.sentence(error))
        }
    }
}
