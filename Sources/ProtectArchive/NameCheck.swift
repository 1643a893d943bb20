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
        var items: [(String, String)] = []
        while let (camera, segment) = iterator.next() {
            items.append((try path(camera, segment), describe(camera, segment)))
        }
        try paths(items)
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
