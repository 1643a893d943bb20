import Foundation
import Logging
import ProtectAPI

/// MP4 files already in the destination under the original downloader's names (flat or in subfolders), by camera
/// and range, so that a sync can adopt them instead of downloading them again.
struct AdoptionIndex {
    struct Key: Hashable {
        var idSuffix: String
        var start: Int64
        var displayEnd: Int64
        var variantSuffix: String
    }

    private var files: [Key: String] = [:]
    private let destination: URL

    init(destination: URL) {
        self.destination = destination
        let time = #"(\d{4}-\d{2}-\d{2}--\d{2}-\d{2}-\d{2}[+-]\d{4})"#
        guard let pattern = try? Regex(#"_([^_]{4})_"# + time + "_" + time + #"((?:_[A-Za-z0-9]+)*)$"#),
            let walker = FileManager.default.enumerator(atPath: destination.path)
        else { return }
        while let item = walker.nextObject() as? String {
            if item.hasPrefix(ArchiveState.folderName) {
                walker.skipDescendants()
                continue
            }
            guard item.hasSuffix(".mp4"),
                let key = Self.key(forName: (item as NSString).lastPathComponent, pattern: pattern)
            else {
                continue
            }
            files[key] = item
        }
    }

    /// Reads `<camera>_<id4>_<start>_<end><suffix>.mp4`.
    static func key(forName name: String, pattern: Regex<AnyRegexOutput>) -> Key? {
        guard let match = name.dropLast(4).firstMatch(of: pattern) else { return nil }
        let groups = match.output
        guard groups.count == 5, let id = groups[1].substring, let startText = groups[2].substring,
            let endText = groups[3].substring, let suffix = groups[4].substring
        else { return nil }
        func parse(_ text: Substring) -> Int64? {
            let iso = text.replacingOccurrences(of: "--", with: " ")
            let parts = iso.split(separator: " ")
            guard parts.count == 2 else { return nil }
            let clock = parts[1].prefix(8).replacingOccurrences(of: "-", with: ":")
            return try? UserTime.parse("\(parts[0]) \(clock)\(parts[1].dropFirst(8))", defaultZone: .fixed(seconds: 0))
                .milliseconds
        }
        guard let start = parse(startText), let end = parse(endText) else { return nil }
        return Key(idSuffix: String(id), start: start, displayEnd: end, variantSuffix: String(suffix))
    }

    /// The expected file if it exists, else one of the original's names for the same camera, range and stream.
    func file(for item: ExportItem, camera: Camera, segment: Segment, variant: ExportVariant) -> String? {
        if FileManager.default.fileExists(atPath: destination.appendingPathComponent(item.info.path).path) {
            return item.info.path
        }
        return files[
            Key(
                idSuffix: String(camera.id.suffix(4)), start: segment.start, displayEnd: segment.displayEnd,
                variantSuffix: variant.nameSuffix)]
    }
}
