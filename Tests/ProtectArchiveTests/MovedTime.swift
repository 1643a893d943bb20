import ProtectAPI
import TestSupport

extension MovedTime {
    /// This clock as the time source the library takes.
    var source: TimeSource { TimeSource(now: now, sleep: sleep) }
}
