import ProtectAPI

extension AlertCenter {
    /// The condition a failed pass means: the console unreachable, the login refused, the remote or the
    /// destination failing, or a pass failing for another reason.
    public static func kind(of error: any Error) -> AlertKind {
        switch error {
        case ArchiveError.downloadFailed(_, let underlying, _): return kind(of: underlying)
        case ArchiveError.imagesFailed(_, let first): return kind(of: first)
        case let error as ProtectError:
            switch error.kind {
            case .loginFailed, .secondFactorRequired, .loginRateLimited, .accessKeyFailed: return .loginRefused
            case .network, .connectionFailed, .certificateRejected, .generationUnknown: return .consoleUnreachable
            default: return .passFailing
            }
        case is RemoteError: return .remoteFailing
        case let error as LocalFileError where error.kind == .diskFull: return .destinationLow
        case StateError.diskFull: return .destinationLow
        case StateError.otherDestination: return .stateMismatch
        default: return .passFailing
        }
    }

    /// The kinds a pass's end says something about.
    static let passKinds: [AlertKind] = [.consoleUnreachable, .loginRefused, .passFailing, .remoteFailing]

    /// A `sync` pass ended: a complete one clears the console's conditions (and judges hours that failed in it),
    /// a failed one starts or continues the condition its error means; then the cameras are looked at.
    public func passEnded(_ outcome: SyncService.Outcome) {
        switch outcome {
        case .completed(let report):
            passCompleted(failedHours: report.summary.failed)
            if !report.interrupted { footageAtRisk(report.backlog) }
            destinationFindings(report)
        case .failed(let error, _):
            let kind = Self.kind(of: error)
            for other in Self.passKinds where other != kind {
                observe(other, active: false, detail: "")
            }
            observe(kind, active: true, detail: ErrorText.sentence(error))
        }
        checkSummary()
    }

    /// A pass (sync's, or watch's hourly one) completed.
    public func passCompleted(failedHours: Int) {
        for kind in Self.passKinds where kind != .passFailing {
            observe(kind, active: false, detail: "")
        }
        observe(
            .passFailing, active: failedHours > 0,
            detail: failedHours > 0
                ? "\(failedHours) hours failed in the last pass; they are recorded and tried again next pass." : "")
        inner.withLock { $0.passCompleted = true }
        checkCameras()
        checkSpace()
    }

    /// What `watch` reports: its websocket up or down, its hourly passes.
    public func watchEvent(_ event: WatchEvent) {
        switch event {
        case .connected:
            // Open is not up: a socket that opens and stays silent is still down; its first packet says it is up.
            if !settings.staleAfterCamera.isEmpty || settings.staleAfter != nil {
                inner.withLock { $0.passCompleted = true }
                checkCameras()
            }
        case .packet:
            let key = AlertKey(.websocketDown, console: console)
            if inner.withLock({ $0.tracker.records[key] != nil }) { observe(key, active: false, detail: "") }
        case .disconnected(let reason, _):
            observe(.websocketDown, active: true, detail: "The console's websocket is down: \(reason)")
        case .hoursPass(let report):
            passCompleted(failedHours: report.summary.failed)
            if !report.interrupted { footageAtRisk(report.backlog) }
            destinationFindings(report)
            checkSummary()
        default:
            break
        }
    }

    /// `watch` could not run (alone it ends; beside other consoles it starts again): the condition its error means.
    public func watchFailed(_ error: any Error) {
        observe(Self.kind(of: error), active: true, detail: ErrorText.sentence(error))
    }

    /// `verify` ended: files missing or altered (or none).
    public func verified(missing: Int, altered: Int) {
        let bad = missing + altered
        observe(
            .verifyProblems, active: bad > 0,
            detail: bad > 0
                ? "verify found \(missing) missing and \(altered) altered files; run verify to see which." : "")
    }

    /// Looks at every camera in the state: gone from the console, added, disconnected, or stale.
    func checkCameras() {
        guard let state else { return }
        let cameras: [CameraFootage]
        do {
            cameras = try state.cameraFootage()
        } catch {
            logger.error("cannot read the cameras' newest footage: \(ErrorText.sentence(error))")
            return
        }
        let now = clock.now()
        // While the console cannot be reached, every camera goes stale: that is one alert, not one per camera.
        let consoleDown = inner.withLock { inner in
            inner.tracker.records.keys.contains { [.consoleUnreachable, .loginRefused].contains($0.kind) }
        }
        guard let latest = cameras.map(\.lastSeen).max(), let earliest = cameras.map(\.firstSeen).min() else { return }
        for camera in cameras {
            if let newest = camera.newest {
                metrics?.setNewestFootage(Double(newest) / 1000, console: console, camera: camera.name)
            }
            let gone = camera.lastSeen < latest
            observe(
                .cameraGone, active: gone,
                detail: gone
                    ? "\(camera.name) is no longer on the console; its archive is kept."
                    : "\(camera.name) is back on the console.", subject: camera.cameraID, label: camera.name)
            if camera.firstSeen == latest && camera.firstSeen > earliest {
                observe(
                    .cameraAdded, active: true,
                    detail:
                        "\(camera.name) appeared on the console; it is archived from now on if the selection includes it.",
                    subject: camera.cameraID, label: camera.name)
            }
            let disconnected = !gone && camera.connected == false
            observe(
                .cameraDisconnected, active: disconnected,
                detail: disconnected
                    ? "The console says \(camera.name) is disconnected: it records nothing." : "",
                subject: camera.cameraID,
                label: camera.name)
            guard !consoleDown, let threshold = settings.staleAfter(cameraID: camera.cameraID, name: camera.name),
                let newest = camera.newest
            else { continue }
            let age = Double(now - newest) / 1000
            let stale = !gone && !disconnected && age > threshold
            observe(
                .cameraStale, active: stale,
                detail: stale
                    ? "The newest footage of \(camera.name) in the archive ends \(AlertPayload.duration(Int(age))) ago (threshold \(AlertPayload.duration(Int(threshold))))."
                    : "", subject: camera.cameraID, label: camera.name)
        }
    }
}
