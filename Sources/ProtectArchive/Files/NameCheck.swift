import ProtectAPI

/// Refuses a run in which two items (segments, clips, snapshots) would be saved under the same name, before the
/// console is asked for anything.
public enum NameCheck {
    /// Checks segments. A template that holds the start instant (`{start}`, `{start_iso}`) and names every camera
    /// differently cannot collide, so only one name per camera is rendered; any other template is checked name by
    /// name.
    static func segments<Pairs: Sequence<(Camera, Segment)>>(
        _ pairs: Pairs, cameras: [Camera], variant: ExportVariant, zone: DisplayZone, template: OutputTemplate
    ) throws {
        func path(_ camera: Camera, _ segment: Segment) throws -> String {
            try DownloadJob.item(camera: camera, segment: segment, variant: variant, zone: zone, template: template)
                .info.path
        }
        func describe(_ camera: Camera, _ segment: Segment) -> String {
            "\(camera.name) from \(TimeFormatting.iso(segment.start)) to \(TimeFormatting.iso(segment.end))"
        }
        var iterator = pairs.makeIterator()
        if template.holdsStartInstant {
            guard let (_, sample) = pairs.first(where: { _ in true }) else { return }
            var byName: [String: Camera] = [:]
            for camera in cameras {
                let name = try path(camera, sample)
                if let other = byName[name] {
                    throw ArchiveError.nameCollision(
                        path: name, first: describe(other, sample), second: describe(camera, sample))
                }
                byName[name] = camera
            }
            return
        }
        // Name by name, keeping only a hash of each name (8 bytes, not the name); a repeated hash is confirmed by
        // finding the earlier item with that very name, so a chance hash collision is not taken for a real one.
        var hashes = Set<Int>()
        var index = 0
        while let (camera, segment) = iterator.next() {
            if index % 10_000 == 0 { try Task.checkCancellation() }
            index += 1
            let name = try path(camera, segment)
            if hashes.insert(name.lowercased().hashValue).inserted { continue }
            for (otherCamera, otherSegment) in pairs {
                if otherCamera == camera && otherSegment == segment { break }
                if try path(otherCamera, otherSegment).lowercased() == name.lowercased() {
                    throw ArchiveError.nameCollision(
                        path: name, first: describe(otherCamera, otherSegment), second: describe(camera, segment))
                }
            }
        }
    }

    /// Checks rendered paths, each with a description of its item; file names are compared as most file systems
    /// would, so names differing only in case collide too.
    public static func paths<Items: Sequence<(String, String)>>(_ items: Items) throws {
        var seen: [String: String] = [:]
        for (path, description) in items {
            let key = path.lowercased()
            if let first = seen[key] {
                throw ArchiveError.nameCollision(path: path, first: first, second: description)
            }
            seen[key] = description
        }
    }
}
