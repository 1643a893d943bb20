import Foundation

/// `playlist`: an extended M3U of the archive's files over a range, in order, for VLC or mpv; nothing is copied.
///
/// The first and last entries carry VLC's start and stop times so that VLC plays exactly the range; other players
/// play those two files whole.
public struct PlaylistJob: Sendable {
    public var request: ClipRequest

    public init(request: ClipRequest) {
        self.request = request
    }

    /// Writes one playlist per camera (renamed into place when whole).
    public func run(state: ArchiveState) throws -> [ClipResult] {
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        let cameras = try request.chosenCameras(state: state)
        let plans = try cameras.map { try request.plan(for: $0, state: state, zone: zone) }
        return try zip(cameras, plans).map { camera, plan in
            let file = try request.outputFile(for: camera, count: cameras.count, ext: "m3u8", zone: zone)
            let text = Self.text(plan, camera: camera.name, destination: request.destination, zone: zone)
            do {
                try Data(text.utf8).write(to: file, options: .atomic)
            } catch {
                throw ArchiveError.destinationNotWritable(file.path, reason: error.localizedDescription)
            }
            let shown = plan.pieces[0].covered.lowerBound..<plan.pieces[plan.pieces.count - 1].covered.upperBound
            return ClipResult(camera: camera, path: file.path, shown: shown, files: plan.pieces.count, gaps: plan.gaps)
        }
    }

    /// The playlist: absolute paths, each titled with the camera and the time it starts.
    static func text(_ plan: ClipPlan, camera: String, destination: URL, zone: DisplayZone) -> String {
        var text = "#EXTM3U\n"
        for piece in plan.pieces {
            let covered = piece.covered
            let seconds = Double(covered.upperBound - covered.lowerBound) / 1000
            let f = TimeFormatting.fields(covered.lowerBound, in: zone)
            let title =
                "\(camera) \(TimeFormatting.pad(f.year, 4))-\(TimeFormatting.pad(f.month))-"
                + "\(TimeFormatting.pad(f.day)) \(TimeFormatting.pad(f.hour)):\(TimeFormatting.pad(f.minute)):"
                + TimeFormatting.pad(f.second)
            text += "#EXTINF:\(String(format: "%.3f", seconds)),\(title)\n"
            if let inpoint = piece.inpoint { text += "#EXTVLCOPT:start-time=\(String(format: "%.3f", inpoint))\n" }
            if let outpoint = piece.outpoint { text += "#EXTVLCOPT:stop-time=\(String(format: "%.3f", outpoint))\n" }
            text += destination.appendingPathComponent(piece.path).path + "\n"
        }
        return text
    }
}
