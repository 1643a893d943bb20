import Foundation
import Logging
import ProtectAPI
import Synchronization

/// A file on a remote as rclone lists it.
public struct RemoteObject: Sendable, Equatable {
    public var path: String
    public var size: Int64
    /// Hashes the remote reports (`md5`, `sha1`, ...), lower-case hex.
    public var hashes: [String: String]
}

/// What a remote can do, as `rclone backend features` tells.
public struct RemoteFeatures: Sendable, Equatable {
    /// Server-side rename (sftp, smb, local).
    public var canMove: Bool
    /// Server-side copy (s3, b2, gcs...): a "move" is a copy and a delete.
    public var canCopy: Bool
    /// Objects in buckets (s3, b2, gcs, azure): an upload appears only when complete.
    public var bucketBased: Bool
    /// The hashes the remote computes itself.
    public var hashes: [String]
}

/// An archive on an rclone remote: files stream through one `rclone rcd` per run, never whole in memory or on local
/// disk, while the state (SQLite) stays in a local folder and journals every upload.
public final class RemoteStore: Sendable {
    /// The remote root, as given to `--dest` (`name:path`).
    public let root: String
    public let rclone: Rclone
    /// The checks of `open` and the remote's features they found; every call to the remote waits for them.
    let checks: RemoteChecks
    /// The checks run beside what the caller did next (`open` without `checkFirst`): uploads spool before they are
    /// journaled.
    let checksBeside: Bool
    /// The local state of this remote archive (its `.protect-dl/` lives in `state.destination`).
    public let state: ArchiveState
    let slots: UploadSlots
    /// The run's rclone daemon: uploads and the per-file calls (look, rename, delete) go through it.
    let daemon: RcloneDaemon
    /// Where uploads are written whole before rclone sends them; nil (or turned off after a local failure) to
    /// stream them straight to rclone.
    let spool: UploadSpool?
    let spoolTurnedOff = Mutex(false)
    /// What uploads wait for before they send anything (besides the checks): the unfinished uploads of an earlier
    /// run settled, and sync's first listing (the remote shown to be this archive).
    let uploadGates = Mutex<[String: UploadGate]>([:])
    let logger: Logger

    init(
        root: String, rclone: Rclone, daemon: RcloneDaemon, checks: RemoteChecks, checksBeside: Bool,
        state: ArchiveState, spool: UploadSpool?, logger: Logger
    ) {
        self.root = root
        self.rclone = rclone
        self.checks = checks
        self.checksBeside = checksBeside
        self.state = state
        self.slots = UploadSlots(rclone.configuration.uploadJobs)
        self.daemon = daemon
        self.spool = spool
        self.logger = logger
    }

    /// Checks rclone and the remote (rclone's version, the remote known, the credentials accepted, the root
    /// created), opens the local state in `stateFolder` and reconciles uploads an earlier run left unfinished.
    ///
    /// With `checkFirst` (every command but sync) the checks pass before this returns, so that nothing is asked of
    /// the console for a remote that cannot be used. Without it the state is opened at once and the checks, then
    /// the reconciliation, run beside what the caller does next (sync asks the console and spools its first files
    /// meanwhile: on SFTP the checks are an SSH handshake and rclone's probe of the server's commands, about 0.4 s);
    /// every call to the remote waits for them and fails with their error, and no upload sends anything before them.
    public static func open(
        _ spec: String, rclone configuration: RcloneConfiguration, stateFolder: URL, create: Bool = true,
        exclusive: Bool = true, checkFirst: Bool = true, logger: Logger
    ) async throws -> RemoteStore {
        let rclone = Rclone(configuration: configuration)
        let daemon = RcloneDaemon(rclone: rclone, remote: spec, logger: logger)
        let checks: RemoteChecks
        if checkFirst {
            checks = RemoteChecks(
                passed: try await Self.check(spec, rclone: rclone, daemon: daemon, create: create))
        } else {
            checks = RemoteChecks { try await Self.check(spec, rclone: rclone, daemon: daemon, create: create) }
        }
        if create {
            do {
                try FileManager.default.createDirectory(at: stateFolder, withIntermediateDirectories: true)
            } catch {
                throw StateError.database(path: stateFolder.path, reason: error.localizedDescription)
            }
        }
        let state = try ArchiveState(destination: stateFolder, create: create, exclusive: exclusive)
        if exclusive { try state.setMeta("remote", spec) }
        // Only the one run that owns the state folder uploads, and a file a killed run left there is of no use.
        var spool: UploadSpool?
        if exclusive && configuration.spool {
            let folder = stateFolder.appendingPathComponent(ArchiveState.folderName).appendingPathComponent("spool")
            spool = UploadSpool(folder: folder)
            try spool?.clear()
        }
        let store = RemoteStore(
            root: spec, rclone: rclone, daemon: daemon, checks: checks, checksBeside: !checkFirst, state: state,
            spool: spool, logger: logger)
        if exclusive {
            if checkFirst {
                try await store.reconcile()
            } else {
                store.holdUploads("reconcile", until: Task { try await store.reconcile() })
            }
        }
        return store
    }

    /// The checks of `open`; the remote's features.
    private static func check(_ spec: String, rclone: Rclone, daemon: RcloneDaemon, create: Bool) async throws
        -> RemoteFeatures
    {
        // The checks go through the run's one daemon, started here: one connection to the remote (one SSH
        // handshake, one hash-command probe) serves them and every file after, where a command each cost a
        // connection each (about 0.4 s apiece on SFTP). It starts while rclone's version is read (two process
        // starts at once, 0.1 s saved); the version's verdict comes first, and a daemon that could not start says why
        // at the first call.
        let warm = Task { await daemon.warmUp() }
        do {
            _ = try await rclone.checkVersion()
        } catch {
            // Said at once: a daemon still starting (or probing the remote) is not waited for.
            warm.cancel()
            throw error
        }
        await warm.value
        if create {
            _ = try await ask(
                daemon, remote: spec, "operations/mkdir", ["fs": spec, "remote": ""], doing: "create the archive folder"
            )
        }
        let described = try await ask(daemon, remote: spec, "operations/fsinfo", ["fs": spec], doing: "describe itself")
        let features = try Self.features(from: described, remote: spec)
        // A listing proves the credentials where mkdir could pass without them (an existing bucket, a public one).
        _ = try await ask(
            daemon, remote: spec, "operations/list",
            ["fs": spec, "remote": "", "opt": ["noModTime": true, "noMimeType": true]], doing: "list the archive folder"
        )
        return features
    }

    /// Makes uploads wait for `gate` before they send anything; it replaces the gate of the same `name` (each sync
    /// pass's listing, say). An upload fails with the gate's error, or, with `reportedByOwner` (whoever made the gate
    /// says its error itself, once), stops as if cancelled.
    func holdUploads(_ name: String, until gate: Task<Void, any Error>, reportedByOwner: Bool = false) {
        uploadGates.withLock { $0[name] = UploadGate(task: gate, reportedByOwner: reportedByOwner) }
    }

    /// Lifts the gate `name` (a pass that listed the remote before its downloads).
    func releaseUploads(_ name: String) {
        _ = uploadGates.withLock { $0.removeValue(forKey: name) }
    }

    /// Waits for the checks and the upload gates; the remote's features. Checks can fail only when they ran beside
    /// the caller (see `open`); that stops the upload as if cancelled: the job that opened the remote so says their
    /// error itself (sync's listing waits for them too).
    func readyToSend() async throws -> RemoteFeatures {
        let features: RemoteFeatures
        do {
            features = try await checks.features()
        } catch {
            throw CancellationError()
        }
        for gate in uploadGates.withLock({ Array($0.values) }) {
            do {
                try await gate.task.value
            } catch {
                if gate.reportedByOwner { throw CancellationError() }
                throw error
            }
        }
        return features
    }

    /// A remote's features from rclone's `operations/fsinfo` answer.
    static func features(from object: [String: Any], remote: String) throws -> RemoteFeatures {
        guard let flags = object["Features"] as? [String: Any] else {
            throw RemoteError.failed(
                remote: remote, doing: "describe itself", reason: "rclone's answer names no features")
        }
        let hashes = (object["Hashes"] as? [String] ?? []).map { $0.lowercased() }
        return RemoteFeatures(
            canMove: flags["Move"] as? Bool ?? false, canCopy: flags["Copy"] as? Bool ?? false,
            bucketBased: flags["BucketBased"] as? Bool ?? false,
            hashes: hashes)
    }

    /// Uploads that may run at once (`--upload-jobs`).
    public var uploadJobs: Int { rclone.configuration.uploadJobs }

    /// Whether uploads go through the local spool (they stream when it is turned off or was found unusable).
    public var spoolsUploads: Bool { spool != nil && !spoolTurnedOff.withLock { $0 } }

    /// The rclone path of a file relative to the root.
    func remotePath(_ relative: String) -> String {
        root.hasSuffix(":") || root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    /// The file at `relative`, or nil when there is none; with `hashes`, the remote's own hash it is checked with.
    public func stat(_ relative: String, hashes: Bool = false) async throws -> RemoteObject? {
        var options: [String: Any] = ["noModTime": true, "noMimeType": true]
        // Only the check hash is asked for: an SFTP server reads the file once for each kind.
        if hashes, let checkHash = RemoteHashKind.check(for: try await checks.features()) {
            options["showHash"] = true
            options["hashTypes"] = [checkHash.rawValue]
        }
        guard
            let answer = try await call(
                "operations/stat", ["fs": root, "remote": relative, "opt": options], doing: "look at \(relative)")
        else { return nil }
        // S3 answers a key that is not there with a directory of that name (its "prefix"): not a file.
        guard let item = answer["item"] as? [String: Any], item["IsDir"] as? Bool != true else { return nil }
        return Self.object(item, path: relative)
    }

    /// Calls rclone's daemon; nil when rclone says the file is not there.
    func call(_ command: String, _ parameters: [String: Any], doing: String) async throws -> [String: Any]? {
        _ = try await checks.features()
        do {
            return try await daemon.call(command, parameters)
        } catch let error as RcloneCallError {
            if error.output.saysNotFound { return nil }
            throw failure(error, doing: doing)
        }
    }

    /// Calls `daemon` about `remote`; any failure (a file not there too) as the error it means, in one sentence.
    static func ask(
        _ daemon: RcloneDaemon, remote: String, _ command: String, _ parameters: [String: Any], doing: String
    ) async throws -> [String: Any] {
        do {
            return try await daemon.call(command, parameters)
        } catch {
            throw failure(error, remote: remote, doing: doing)
        }
    }

    /// The error a failed call to rclone means, in one sentence.
    func failure(_ error: any Error, doing: String) -> any Error {
        Self.failure(error, remote: root, doing: doing)
    }

    /// The error a failed call to rclone about `remote` means, in one sentence.
    static func failure(_ error: any Error, remote: String, doing: String) -> any Error {
        switch error {
        case RcloneCallError.hung(_, let after):
            return RemoteError.unresponsive(remote: remote, doing: doing, seconds: after.components.seconds)
        case let error as RcloneCallError: return Rclone.error(error.output, remote: remote, doing: doing)
        case is RemoteError, is CancellationError: return error
        default: return RemoteError.failed(remote: remote, doing: doing, reason: String(describing: error))
        }
    }

    static func object(_ item: [String: Any], path: String) -> RemoteObject {
        let size = (item["Size"] as? NSNumber)?.int64Value ?? -1
        var hashes: [String: String] = [:]
        for (key, value) in item["Hashes"] as? [String: String] ?? [:] where !value.isEmpty {
            hashes[key.lowercased()] = value.lowercased()
        }
        return RemoteObject(path: path, size: size, hashes: hashes)
    }

    /// Every file under the root, by path, with those of the remote's hashes of `hashTypes` it has (an SFTP server
    /// reads every file once for each kind).
    public func list(hashTypes: Set<RemoteHashKind> = []) async throws -> [String: RemoteObject] {
        var options: [String: Any] = ["recurse": true, "filesOnly": true, "noModTime": true, "noMimeType": true]
        let features = try await checks.features()
        let asked = hashTypes.map(\.rawValue).filter { features.hashes.contains($0) }.sorted()
        if !asked.isEmpty {
            options["showHash"] = true
            options["hashTypes"] = asked
        }
        let answer = try await Self.ask(
            daemon, remote: root, "operations/list", ["fs": root, "remote": "", "opt": options],
            doing: "list the archive")
        guard let items = answer["list"] as? [[String: Any]] else {
            throw RemoteError.failed(remote: root, doing: "list the archive", reason: "rclone's listing has no list")
        }
        var objects: [String: RemoteObject] = [:]
        for item in items {
            guard let path = item["Path"] as? String else { continue }
            objects[path] = Self.object(item, path: path)
        }
        return objects
    }

    /// Deletes one file; a file already gone is not an error.
    public func delete(_ relative: String) async throws {
        _ = try await call("operations/deletefile", ["fs": root, "remote": relative], doing: "delete \(relative)")
    }

    /// Moves a file to another name on the same remote (a server-side rename where the remote has one).
    func move(_ from: String, to: String) async throws {
        let parameters = ["srcFs": root, "srcRemote": from, "dstFs": root, "dstRemote": to]
        guard try await call("operations/movefile", parameters, doing: "rename \(from)") != nil else {
            throw RemoteError.failed(remote: root, doing: "rename \(from)", reason: "it is not there any more")
        }
    }

    /// Removes folders left empty under the root (after retention).
    public func removeEmptyFolders() async {
        guard let features = try? await checks.features(), !features.bucketBased else { return }
        _ = try? await rclone.run(["rmdirs", "--leave-root", root])
    }

    /// SHA-256 of each file, read back from the remote (`rclone hashsum sha256 --download`): the deep check.
    public func downloadHashes(_ paths: [String]) async throws -> [String: String] {
        guard !paths.isEmpty else { return [:] }
        let list = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "protect-dl-files-\(UUID().uuidString)")
        try Data((paths.joined(separator: "\n") + "\n").utf8).write(to: list)
        defer { unlink(list.path) }
        let output = try await rclone.run(
            ["hashsum", "sha256", "--download", "--files-from-raw", list.path, root])
        var sums: [String: String] = [:]
        for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            sums[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0]).lowercased()
        }
        if output.status != 0 && sums.isEmpty {
            throw Rclone.error(output, remote: root, doing: "read the files back")
        }
        return sums
    }

    /// Settles uploads an earlier run left `uploading` (it was killed, or the machine stopped): the temporary file
    /// is deleted, and so is a final object that is not the one the state records as complete; the row goes, and
    /// the segment (still not complete in the state) is downloaded again by the next pass.
    public func reconcile() async throws {
        for row in try state.remoteFiles(status: .uploading) {
            do {
                try await settle(row)
            } catch let error as StateError {
                throw error
            } catch let error where error is CancellationError || Task.isCancelled {
                throw error
            } catch {
                // A row that cannot be settled now (the remote failing) is tried again by the next run.
                logger.warning("Could not settle the unfinished upload of \(row.path): \(ErrorText.sentence(error))")
            }
        }
    }

    /// Settles one row left `uploading`.
    func settle(_ row: RemoteFileRecord) async throws {
        if let temporary = row.temporary {
            try await delete(temporary)
        } else if let found = try await stat(row.path) {
            let recorded = try state.completeSegment(path: row.path)
            if recorded?.size != found.size {
                logger.warning("Removing \(row.path): an upload of it was cut off by a stop.")
                try await delete(row.path)
                if let recorded {
                    try state.recordOutcome(
                        cameraID: recorded.cameraID, stream: recorded.stream, start: recorded.start,
                        end: recorded.end, path: recorded.path, status: .failed,
                        reason: "an upload that replaced it was cut off", attempts: 1)
                }
            }
        }
        if let previous = try state.completeSegment(path: row.path), try await stat(row.path) != nil {
            try state.finishUpload(
                path: row.path, size: previous.size, sha256: previous.sha256 ?? "", md5: row.md5 ?? "",
                remoteHash: row.remoteHash)
        } else {
            try state.forgetRemoteFile(path: row.path)
        }
    }
}

/// Something uploads wait for before they send anything (see `RemoteStore.holdUploads`).
struct UploadGate: Sendable {
    var task: Task<Void, any Error>
    var reportedByOwner: Bool
}

/// Bounds the uploads running at once (`--upload-jobs`).
actor UploadSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(1, count) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
