import ProtectAPI

extension SyncJob {
    /// What each planned camera still lacks after the pass, read again from the state: the hours neither complete
    /// nor known empty.
    static func backlog(_ plan: [(Camera, [Segment])], stream: String, state: ArchiveState) throws -> [CameraBacklog] {
        try plan.compactMap { camera, segments in
            guard let oldest = camera.recordingStart else { return nil }
            let settled = try state.settledStarts(cameraID: camera.id, stream: stream)
            let unsaved = segments.map(\.start).filter { !settled.done.contains($0) && !settled.empty.contains($0) }
            return CameraBacklog(cameraID: camera.id, name: camera.name, consoleOldest: oldest, unsaved: unsaved)
        }
    }
}
