import Foundation

/// Everything the `download` command decides: which cameras, which range and stream, where and how.
public struct DownloadOptions: Sendable {
    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    /// The range as the user wrote it (parsed again once the console's time zone is known).
    public var startText: String
    public var endText: String
    public var variant = ExportVariant()
    public var useSubfolders = false
    /// A custom name template; nil for the original downloader's names.
    public var template: String?
    /// Render names (and align hours) in UTC instead of the times' zone.
    public var utc = false
    /// Seconds the console may still be writing before now: a segment ending later is cut at that moment and named
    /// by what it holds.
    public var settleSeconds: Double = 60
    public var engine: EngineOptions

    public init(startText: String, endText: String, destination: URL) {
        self.startText = startText
        self.endText = endText
        self.engine = EngineOptions(destination: destination)
    }

    /// The template in use.
    public var effectiveTemplate: String {
        template ?? (useSubfolders ? OutputTemplate.downloadSubfolders : OutputTemplate.download)
    }
}
