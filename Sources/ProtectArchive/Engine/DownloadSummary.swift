/// Totals of a run.
public struct DownloadSummary: Sendable, Equatable, Codable {
    public var downloaded = 0
    public var skipped = 0
    public var noFootage = 0
    public var failed = 0
    public var total = 0
    public var bytes: Int64 = 0
    /// Images saved beside clips.
    public var images = 0
    /// Of the skipped files, empty placeholders left by a run that died (never footage).
    public var placeholders = 0
    /// Damaged recordings: the console ended their export at the same byte on every attempt; what it sent is kept
    /// under the hour's name with `.short` before `.mp4`.
    public var shortRecordings = 0
    /// Where those were kept (paths relative to the destination).
    public var shortPaths: [String] = []
    /// Times the console signalled overload (429, 5xx) and the engine slowed down.
    public var overloads = 0
    /// The run was stopped by a signal before the end.
    public var interrupted = false
    /// The first failure that ended the run (when failures are not ignored).
    public var stoppedBy: String?

    public init() {}

    /// The original downloader's last line.
    public var line: String { "\(downloaded) files downloaded, \(skipped) files skipped, \(total) files total" }

    /// What the original's line does not say: failures, placeholders skipped, an interruption; nil when none.
    public var note: String? {
        var parts: [String] = []
        if failed > 0 { parts.append("\(failed) failed") }
        if shortRecordings > 0 {
            parts.append(
                "\(shortRecordings) damaged on the console (every attempt ended at the same byte), kept as .short.mp4")
        }
        if placeholders > 0 {
            parts.append(
                "\(placeholders) of the skipped files are empty placeholders left by a run that died, not footage")
        }
        if interrupted { parts.append("the run was interrupted before the end") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ") + "."
    }
}
