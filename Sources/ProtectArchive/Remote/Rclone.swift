import Foundation
import Synchronization

/// How protect-dl runs rclone: which binary and config, and what every call is given.
public struct RcloneConfiguration: Sendable {
    /// The rclone binary: a path, or a name looked up in `PATH`.
    public var executable = "rclone"
    /// rclone's config file (`--config`); nil for rclone's own default (and `RCLONE_CONFIG_*` variables).
    public var configFile: String?
    /// Passed through as `--bwlimit` to uploads.
    public var bandwidthLimit: String?
    /// Uploads at the same time, at most.
    public var uploadJobs = 2
    /// The environment rclone runs in (this process's, less `AWS_CA_BUNDLE`, which rclone 1.60's S3 refuses).
    public var environment: [String: String]
    /// Wrap every rclone in `setpriv --pdeathsig TERM`, so that rclone aborts (never commits a short stream) when
    /// protect-dl dies, even by `kill -9`. Used when `setpriv` is there.
    public var deathSignal = true
    /// Write each upload whole to the state folder first, then have rclone send the file (as fast as `rclone copy`,
    /// and the remote's hash checked on S3 too); false streams each upload straight to rclone, using no local disk.
    public var spool = true
    /// How long an rclone call other than an upload may take, and how long the daemon may take to answer a check
    /// that it is alive while an upload runs; past it the daemon is taken as hung, stopped, and the call fails.
    public var answerTimeout: Duration = .seconds(300)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var environment = environment
        environment["AWS_CA_BUNDLE"] = nil
        self.environment = environment
    }
}

/// What one rclone call left.
struct RcloneOutput: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    /// rclone failed because the file or folder is not there (the wording differs by backend and command).
    var saysNotFound: Bool {
        let text = stderr.lowercased()
        return text.contains("not found") || text.contains("no such file") || text.contains("doesn't exist")
    }

    /// rclone's last error line, without its timestamp and level, for a one-sentence message.
    var reason: String {
        let lines = stderr.split(separator: "\n").map { String($0) }
        let errors = lines.filter { $0.contains("ERROR") || $0.contains("Failed") || $0.contains("CRITICAL") }
        guard var line = (errors.last ?? lines.last) else { return "rclone exited with status \(status)" }
        for marker in ["ERROR : ", "CRITICAL: ", "NOTICE: ", "ERROR :", "Failed to "] {
            if let range = line.range(of: marker) {
                line = (marker == "Failed to " ? "failed to " : "") + String(line[range.upperBound...])
                break
            }
        }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
    }
}

/// Runs rclone commands: one process per call, in its own process group, with a parent-death signal.
public struct Rclone: Sendable {
    public let configuration: RcloneConfiguration
    private let wrapper: [String]

    public init(configuration: RcloneConfiguration) {
        self.configuration = configuration
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
        wrapper = configuration.deathSignal ? setpriv.map { [$0, "--pdeathsig", "TERM", "--"] } ?? [] : []
    }

    /// Flags given to every call.
    var commonFlags: [String] {
        var flags = ["--timeout", "2m", "--contimeout", "30s", "--low-level-retries", "10"]
        if let file = configuration.configFile { flags += ["--config", file] }
        return flags
    }

    /// Starts rclone with `arguments` (after the common flags) and returns the running process.
    func start(
        _ arguments: [String], stdin: Bool = false, stdout: Bool = false, environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        let command = wrapper + [configuration.executable] + arguments + commonFlags
        do {
            return try await ChildProcess.start(
                command, environment: configuration.environment.merging(environment) { $1 }, stdin: stdin,
                stdout: stdout)
        } catch is ChildProcess.SpawnError {
            throw RemoteError.rcloneMissing(configuration.executable)
        }
    }

    /// Runs rclone to its end and collects what it printed.
    func run(_ arguments: [String]) async throws -> RcloneOutput {
        let child = try await start(arguments, stdout: true)
        let collected = Mutex<[UInt8]>([])
        await child.readOutput { chunk in collected.withLock { $0 += chunk } }
        let status = await child.wait()
        let stderr = child.errorText()
        // setpriv reports an rclone it cannot run as status 127 (or 126) with its own message.
        if (status == 127 || status == 126) && !wrapper.isEmpty && stderr.contains("setpriv") {
            throw RemoteError.rcloneMissing(configuration.executable)
        }
        return RcloneOutput(status: status, stdout: collected.withLock { $0 }, stderr: stderr)
    }

    /// The version rclone reports (`1.60.1-DEV`), checked to be 1.60 or later.
    public func checkVersion() async throws -> String {
        guard let output = try? await run(["version"]), output.status == 0 else {
            throw RemoteError.rcloneMissing(configuration.executable)
        }
        let text = String(decoding: output.stdout, as: UTF8.self)
        guard let first = text.split(separator: "\n").first, first.hasPrefix("rclone v") else {
            throw RemoteError.rcloneMissing(configuration.executable)
        }
        let version = String(first.dropFirst(8))
        let numbers = version.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2, numbers[0] > 1 || (numbers[0] == 1 && numbers[1] >= 60) else {
            throw RemoteError.rcloneTooOld(found: version)
        }
        return version
    }

    /// Turns a failed call into the error it means: an unknown remote, refused credentials, or a failure.
    static func error(_ output: RcloneOutput, remote: String, doing: String) -> RemoteError {
        let text = output.stderr
        if text.contains("didn't find section in config file") || text.contains("NotFound: config") {
            return .unknownRemote(ArchiveLocation.remoteName(remote))
        }
        let refusals = [
            "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "unable to authenticate",
            "knownhosts: key mismatch", "knownhosts: key is unknown", "Unauthorized", "status code: 403",
            "STATUS_LOGON_FAILURE", "couldn't read ssh key", "failed to read private key",
        ]
        if refusals.contains(where: text.contains) {
            return .refused(remote: remote, reason: output.reason)
        }
        return .failed(remote: remote, doing: doing, reason: output.reason)
    }
}
