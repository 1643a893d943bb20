import Foundation

/// Everything `sync` decides: which cameras and stream, from when, how names look, what to keep.
public struct SyncOptions: Sendable {
    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    /// Where to begin; nil for each camera's first recording.
    public var sinceText: String?
    public var variant = ExportVariant()
    /// A custom name template; nil for the original downloader's `--use-subfolders` layout.
    public var template: String?
    public var utc = false
    /// Ask again for hours the console had no footage for.
    public var recheckEmpty = false
    /// Seconds before now that the console may still be writing; hours ending later wait for the next pass.
    public var safetyMargin: Double = 300
    /// Remove complete files older than this many seconds; nil keeps everything.
    public var keepSeconds: Double?
    /// Seconds between listings of a remote destination, to find files gone from it (a process's first pass always
    /// lists): a day by default, well inside any console's retention.
    public var remoteListingInterval: Double = 86_400
    /// Say what would be downloaded, adopted and removed; change nothing.
    public var dryRun = false
    public var engine: EngineOptions

    public init(destination: URL) {
        engine = EngineOptions(destination: destination)
        engine.ignoreFailedDownloads = true
    }

    public var effectiveTemplate: String { template ?? OutputTemplate.downloadSubfolders }
}
