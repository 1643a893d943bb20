import Foundation
import ProtectAPI
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where each attempt at one export ended when its body was cut short: a console that ends every attempt at the
/// same byte has a damaged recording, and what it sends is kept under a name that says so.
final class ShortEnds: Sendable {
    /// Per attempt that got a body: its length when it ended early, nil when it failed otherwise.
    private let ends = Mutex<[Int64?]>([])

    /// Notes how an attempt's body failed; true when it ended early with bytes, and the `.part` is kept.
    func note(_ error: any Error, part: String) -> Bool {
        var kept: Int64?
        if !(error is LocalFileError) && !(error is CancellationError), let size = LocalFile.size(part), size > 0 {
            kept = size
        }
        ends.withLock { $0.append(kept) }
        return kept != nil
    }

    /// Notes an attempt whose body went to a remote: `cutAt` is where the console's body broke (nil: it did not
    /// break, the attempt failed another way).
    func note(cutAt bytes: Int64?) {
        ends.withLock { $0.append(bytes.flatMap { $0 > 0 ? $0 : nil }) }
    }

    /// The byte every attempt (at least two, and all of `attempts`) ended at; nil when they did not all end early at
    /// the same byte (an attempt refused or failed another way is no sign of damage).
    func agreed(attempts: Int) -> Int64? {
        let seen = ends.withLock { $0 }
        guard seen.count >= max(2, attempts), let first = seen[0], seen.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// When every attempt (at least two) had a body and each ended at the same byte, moves the `.part` to the short
    /// name, reports it and answers `.short`; nil otherwise.
    func settle(
        part: String, relative: String, destination: URL, error: any Error, attempts: Int, info: SegmentInfo,
        onEvent: @Sendable (DownloadEvent) -> Void
    ) -> DownloadEngine.ItemResult? {
        guard let first = agreed(attempts: attempts), LocalFile.size(part) == first else { return nil }
        let seen = ends.withLock { $0 }
        let short = FileNaming.shortPath(relative)
        guard rename(part, destination.appendingPathComponent(short).path) == 0 else { return nil }
        let reason =
            "the console ended all \(seen.count) attempts at byte \(first) (a damaged recording): "
            + ErrorText.sentence(error)
        onEvent(.short(info, path: short, bytes: first, attempts: attempts, reason: reason))
        return .short(path: short, bytes: first)
    }
}
