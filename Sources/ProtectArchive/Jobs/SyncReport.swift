import Foundation

/// What one pass of `sync` did.
public struct SyncReport: Sendable {
    public var summary = DownloadSummary()
    /// Files found in the destination under the expected names, checked and recorded.
    public var adopted = 0
    /// Segments already complete, or known to be empty, that the pass did not ask for.
    public var alreadyComplete = 0
    public var knownEmpty = 0
    /// Files removed by retention (or that would be, in a dry run), relative paths.
    public var pruned: [String] = []
    public var prunedBytes: Int64 = 0
    /// Segments a dry run would download.
    public var wouldDownload: [String] = []
    /// Files a dry run would adopt.
    public var wouldAdopt: [String] = []
    /// Files recorded complete that this pass found gone from the destination (relative paths); now `missing`.
    public var goneFromDestination: [String] = []
    /// Of those, the ones the console still has, asked for again in this pass; the rest are lost for good.
    public var goneRefetched = 0
    /// The chosen cameras the console reports disconnected, by name.
    public var disconnected: [String] = []
    /// Whether this pass listed the remote (a local archive is looked at on every pass).
    public var destinationListed = false
    /// Damaged recordings this pass met (the console ended every attempt at the same byte), kept as `.short.mp4`
    /// and recorded `short`: later passes leave them, so each is counted once, by the pass that found it.
    public var shortRecordings: Int { summary.shortRecordings }
    /// What each camera still lacks after the pass, beside the console's oldest recording (not in a dry run).
    public var backlog: [CameraBacklog] = []
    /// The pass was stopped by a signal.
    public var interrupted: Bool { summary.interrupted }

    /// One line for logs and daemons.
    public var line: String {
        var text = "sync: \(summary.downloaded) downloaded, \(adopted) adopted, \(summary.noFootage) empty, "
        text += "\(summary.failed) failed, \(alreadyComplete) already complete, \(knownEmpty) known empty"
        if shortRecordings > 0 {
            text += ", \(shortRecordings) damaged on the console (kept short)"
        }
        if !goneFromDestination.isEmpty {
            text += ", \(goneFromDestination.count) gone from the destination (\(goneRefetched) fetched again, "
            text += "\(goneFromDestination.count - goneRefetched) no longer on the console)"
        }
        if !disconnected.isEmpty {
            text += ", \(disconnected.count) camera\(disconnected.count == 1 ? "" : "s") disconnected ("
            text += disconnected.joined(separator: ", ") + ")"
        }
        if !pruned.isEmpty {
            text +=
                ", \(pruned.count) removed (\(ByteCountFormatter.string(fromByteCount: prunedBytes, countStyle: .file)))"
        }
        if !wouldDownload.isEmpty || !wouldAdopt.isEmpty {
            text += "; dry run: \(wouldDownload.count) to download, \(wouldAdopt.count) to adopt"
        }
        return text
    }
}
