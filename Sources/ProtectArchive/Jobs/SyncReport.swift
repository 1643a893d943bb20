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
    /// What each camera still lacks after the pass, beside the console's oldest recording (not in a dry run).
    public var backlog: [CameraBacklog] = []
    /// The pass was stopped by a signal.
    public var interrupted: Bool { summary.interrupted }

    /// One line for logs and daemons.
    public var line: String {
        var text = "sync: \(summary.downloaded) downloaded, \(adopted) adopted, \(summary.noFootage) empty, "
        text += "\(summary.failed) failed, \(alreadyComplete) already complete, \(knownEmpty) known empty"
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
