import Foundation
import Logging
import ProtectAPI

/// Everything the `snapshot` command decides.
public struct SnapshotOptions: Sendable {
    /// What followed `--cameras`: ids or names; nil for all cameras.
    public var cameras: [String]?
    /// A past moment for a recording snapshot; nil for a live one.
    public var atText: String?
    public var width: Int?
    public var height: Int?
    /// The package camera of a G4 Doorbell Pro (recording snapshots only).
    public var packageLens = false
    public var template: String?
    public var utc = false
    public var destination: URL
    /// A remote archive: images go there (and `destination` holds only its state).
    public var remote: RemoteStore?
    /// The wall clock that says what "now" is for a live snapshot's name (injected by tests).
    public var clock = WallClock.system
    public var retries = 3
    public var retryDelay: Double = 2

    public init(destination: URL) {
        self.destination = destination
    }

    public var effectiveTemplate: String { template ?? OutputTemplate.snapshots }
}

/// One saved (or failed) snapshot.
public struct SnapshotResult: Sendable {
    public var camera: Camera
    /// Path relative to the destination.
    public var path: String
    public var bytes: Int
    /// Why it failed; nil when it was saved.
    public var failure: String?
}

/// Saves a JPEG per chosen camera, live or at a past moment.
public struct SnapshotJob: Sendable {
    public let options: SnapshotOptions
    let logger: Logger

    public init(options: SnapshotOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Checks what can be checked before talking to the console.
    @discardableResult
    public func preflight() throws -> OutputTemplate {
        try Preflight.destination(options.destination)
        if let at = options.atText { try Preflight.times([at]) }
        return try OutputTemplate(options.effectiveTemplate)
    }

    /// Saves the snapshots; a camera that fails is reported and the others still saved.
    public func run(client: ProtectClient, onEvent: @escaping @Sendable (DownloadEvent) -> Void) async throws
        -> [SnapshotResult]
    {
        let template = try preflight()
        var engineOptions = EngineOptions(destination: options.destination)
        engineOptions.retries = options.retries
        engineOptions.retryDelay = options.retryDelay
        let engine = DownloadEngine(options: engineOptions, logger: logger)
        let bootstrap = try await client.bootstrap()
        let cameras = try CameraSelection.resolve(options.cameras, among: bootstrap.cameras)
        let variant = ExportVariant(packageLens: options.packageLens)
        if options.packageLens {
            for camera in cameras { try variant.check(camera) }
        }
        var moment = options.clock.now()
        var zone = DisplayZone.named(bootstrap.nvr.timezone ?? "UTC")
        if let at = options.atText {
            let range = try Preflight.range(
                at, at, consoleZone: bootstrap.nvr.timezone, utc: options.utc, now: options.clock.now(),
                onEvent: onEvent, allowEmpty: true)
            moment = range.start
            zone = range.zone
        } else if options.utc {
            zone = .fixed(seconds: 0)
        }
        let paths = try cameras.map { camera in
            try template.render(
                NameValues(
                    cameraName: camera.name, cameraID: camera.id, variant: variant, start: moment, end: moment,
                    zone: zone),
                fileExtension: "jpg")
        }
        try NameCheck.paths(zip(paths, cameras.map { "the snapshot of \($0.name)" }))
        var results: [SnapshotResult] = []
        for (camera, path) in zip(cameras, paths) {
            let request: ImageRequest =
                options.atText == nil && !options.packageLens
                ? .liveSnapshot(cameraID: camera.id, at: moment, width: options.width, height: options.height)
                : .recordedSnapshot(
                    cameraID: camera.id, at: moment, lens: options.packageLens ? 2 : nil, width: options.width,
                    height: options.height)
            if case .liveSnapshot = request, camera.isConnected == false || camera.state == "DISCONNECTED" {
                let reason = "the camera is disconnected, so it has no live picture (--at takes a recorded one)"
                results.append(SnapshotResult(camera: camera, path: path, bytes: 0, failure: reason))
                continue
            }
            do {
                let data = try await engine.withRetries { try await client.image(request) }
                if let remote = options.remote {
                    try ImageFile.check(data)
                    try await remote.put(data, to: path)
                } else {
                    try ImageFile.save(data, to: options.destination.appendingPathComponent(path))
                }
                results.append(SnapshotResult(camera: camera, path: path, bytes: data.count, failure: nil))
            } catch {
                if error is CancellationError { throw error }
                let reason = ErrorText.sentence(error)
                results.append(SnapshotResult(camera: camera, path: path, bytes: 0, failure: reason))
            }
        }
        return results
    }
}
