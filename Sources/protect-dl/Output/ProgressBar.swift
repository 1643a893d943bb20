import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A progress bar with an ETA on stderr for jobs that report the fraction done (`timelapse`, `clip --grid`): redrawn
/// in place on a terminal at each new percent, one line per tenth otherwise (a log, a pipe).
final class ProgressBar: Sendable {
    let label: String
    let started = Date()
    let shown = Mutex(-1)
    let terminal = isatty(STDERR_FILENO) == 1

    init(_ label: String) {
        self.label = label
    }

    /// Draws `fraction` (0 to 1) when it changed what is shown.
    func update(_ fraction: Double) {
        let percent = Int(min(1, max(0, fraction)) * 100)
        let changed = shown.withLock { last in
            defer { last = percent }
            return terminal ? percent != last : percent / 10 != last / 10 || last < 0
        }
        guard changed else { return }
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0.01 && percent < 100 ? " ETA \(Int(elapsed / fraction - elapsed)) s" : ""
        let bar = String(repeating: "#", count: percent / 5) + String(repeating: ".", count: 20 - percent / 5)
        let line = "\(label) [\(bar)] \(percent)%\(eta)"
        if terminal {
            Console.writeRaw("\r" + line + (percent >= 100 ? "\n" : ""), to: .standardError)
        } else {
            Console.write(line, to: .standardError)
        }
    }
}
