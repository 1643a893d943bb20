import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The one rclone of a run: `rclone rcd` on a loopback port the system picks, behind a random password given
/// through its environment (never its command line), asked over HTTP so that its connections to the remote (an SSH
/// session, an S3 connection pool) serve every file. Started at the first call; a daemon that died (killed, out of
/// memory, or stopped after it hung) is started again, at most `maximumStarts` times in a run. Every call has a
/// deadline (`answerTimeout`); a transfer, which may rightly take longer, has the daemon asked meanwhile whether it is
/// alive, each time with that deadline. It ends with its store (a signal: its uploads abort) or with protect-dl (its
/// parent-death signal).
actor RcloneDaemon {
    /// A running daemon: its base URL, the `Authorization` header it wants and its process.
    struct Endpoint: Sendable {
        var base: String
        var authorization: String
        var child: ChildProcess
    }

    /// Starts of the daemon in one run, at most (the first and the restarts).
    static let maximumStarts = 5
    private let rclone: Rclone
    private let remote: String
    private let logger: Logger
    private var current: Endpoint?
    private var launching: Task<Endpoint, any Error>?
    private var starts = 0

    init(rclone: Rclone, remote: String, logger: Logger) {
        self.rclone = rclone
        self.remote = remote
        self.logger = logger
    }

    deinit {
        current?.child.terminateOnce()
    }

    /// The running daemon, started (again) when there is none.
    func endpoint() async throws -> Endpoint {
        if let current, !current.child.hasExited { return current }
        if let launching { return try await launching.value }
        guard starts < Self.maximumStarts else {
            throw RemoteError.failed(
                remote: remote, doing: "keep rclone running",
                reason: "rclone's remote-control daemon stopped \(starts) times in this run")
        }
        if let current {
            let reason = Rclone.lastError(current.child).map { " (\($0))" } ?? ""
            logger.warning(
                "rclone's remote-control daemon stopped\(reason); starting it again (retry \(starts) of \(Self.maximumStarts - 1))."
            )
            self.current = nil
        }
        starts += 1
        let task = Task { try await self.launch() }
        launching = task
        defer { launching = nil }
        let started = try await task.value
        current = started
        return started
    }

    /// Starts the daemon ahead of the first call; a failure to start is left for that call to meet (and tell).
    nonisolated func warmUp() async {
        _ = try? await endpoint()
    }

    private func launch() async throws -> Endpoint {
        var random = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }
            .joined()
        var arguments = ["rcd", "--rc-addr", "127.0.0.1:0"]
        if let limit = rclone.configuration.bandwidthLimit { arguments += ["--bwlimit", limit] }
        let child = try await rclone.start(
            arguments, environment: ["RCLONE_RC_USER": "protect-dl", "RCLONE_RC_PASS": password])
        // rclone says where it listens once it does: "Serving remote control on http://127.0.0.1:PORT/".
        for _ in 0..<1500 {
            let text = child.errorText()
            if let range = text.range(of: "Serving remote control on http://") {
                let address = text[range.upperBound...].prefix { $0 != "/" && !$0.isWhitespace }
                let credentials = Data("protect-dl:\(password)".utf8).base64EncodedString()
                let endpoint = Endpoint(
                    base: "http://\(address)/", authorization: "Basic \(credentials)", child: child)
                // The remote described once before any concurrent call: rclone 1.60's sftp backend probes its hash
                // commands on first use and, meanwhile, answers other callers that it has no hashes.
                _ = try? await Self.post(
                    endpoint, "operations/fsinfo", JSONSerialization.data(withJSONObject: ["fs": remote]),
                    deadline: rclone.configuration.answerTimeout)
                return endpoint
            }
            if child.hasExited {
                let status = await child.wait()
                if (status == 127 || status == 126) && text.contains("setpriv") {
                    throw RemoteError.rcloneMissing(rclone.configuration.executable)
                }
                throw RemoteError.failed(
                    remote: remote, doing: "start rclone's remote-control daemon",
                    reason: Rclone.lastError(child) ?? "rclone rcd exited with status \(status)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        child.killNow()
        throw RemoteError.failed(
            remote: remote, doing: "start rclone's remote-control daemon", reason: "it did not listen within 30 seconds"
        )
    }

    /// Calls `command` with a JSON object; rclone's JSON answer. A call that fails because the daemon died is made
    /// once more on a new one when `idempotent`.
    /// once more on a new one when `idempotent`. A `transfer` (which may rightly take long) has no deadline of its
    /// own: the daemon is asked meanwhile whether it is alive.
    nonisolated func call(
        _ command: String, _ parameters: [String: Any], idempotent: Bool = true, transfer: Bool = false
    ) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: parameters)
        for attempt in 0..<2 {
            let endpoint = try await endpoint()
            do {
                if transfer {
                    try await watching(endpoint) { _ = try await Self.post(endpoint, command, body, deadline: nil) }
                    return [:]
                }
                return try await Self.post(endpoint, command, body, deadline: rclone.configuration.answerTimeout)
            } catch let error as RcloneCallError {
                if case .hung = error { endpoint.child.killNow() }
                throw error
            } catch {
                guard await Self.died(endpoint.child) else { throw error }
                if !idempotent || attempt == 1 { throw RcloneCallError.daemonDied }
            }
        }
        throw RcloneCallError.daemonDied
    }

    /// Runs `transfer` while asking the daemon every few seconds whether it is alive (`rc/noop`, with the answer
    /// deadline); a daemon that does not answer in time is hung, and the transfer fails.
    private nonisolated func watching(_ endpoint: Endpoint, _ transfer: @escaping @Sendable () async throws -> Void)
        async throws
    {
        let timeout = rclone.configuration.answerTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await transfer() }
            group.addTask {
                while true {
                    try await Task.sleep(for: min(timeout, .seconds(15)))
                    _ = try await Self.post(endpoint, "rc/noop", Data("{}".utf8), deadline: timeout)
                }
            }
            defer { group.cancelAll() }
            // The watch never ends first unless it throws: the first to end ends both.
            try await group.next()
        }
    }

    /// Posts a JSON body to `command`; rclone's JSON answer. Past `deadline` the daemon is taken as hung.
    private static func post(_ endpoint: Endpoint, _ command: String, _ body: Data, deadline: Duration?)
        async throws -> [String: Any]
    {
        var request = HTTPClientRequest(url: endpoint.base + command)
        request.method = .POST
        request.headers.add(name: "Authorization", value: endpoint.authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: body))
        let limit = deadline.map { NIODeadline.now() + .nanoseconds(Int64($0 / .nanoseconds(1))) } ?? .distantFuture
        do {
            return try await answer(try await HTTPClient.shared.execute(request, deadline: limit), command: command)
        } catch let error as HTTPClientError where error == .deadlineExceeded && deadline != nil {
            throw RcloneCallError.hung(command: command, after: deadline!)
        }
    }

    /// Streams `body` (a whole `multipart/form-data` body with `boundary`) to `operations/uploadfile`, which writes
    /// its file part to `folder` on `fs`. A body that throws drops the connection: rclone aborts the upload.
    nonisolated func upload<Body: AsyncSequence & Sendable>(
        _ body: Body, boundary: String, fs: String, folder: String
    ) async throws where Body.Element == ByteBuffer {
        let endpoint = try await endpoint()
        let query = "fs=\(Self.escape(fs))&remote=\(Self.escape(folder))"
        var request = HTTPClientRequest(url: endpoint.base + "operations/uploadfile?" + query)
        request.method = .POST
        request.headers.add(name: "Authorization", value: endpoint.authorization)
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .stream(body, length: .unknown)
        let sent = request
        do {
            try await watching(endpoint) {
                _ = try await Self.answer(
                    try await HTTPClient.shared.execute(sent, deadline: .distantFuture),
                    command: "operations/uploadfile")
            }
        } catch let error as RcloneCallError {
            if case .hung = error { endpoint.child.killNow() }
            throw error
        } catch {
            if await Self.died(endpoint.child) { throw RcloneCallError.daemonDied }
            throw error
        }
    }

    /// Whether a call's transport failed because the daemon went away (it may take a moment to be reaped).
    private static func died(_ child: ChildProcess) async -> Bool {
        for _ in 0..<50 {
            if child.hasExited { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The JSON object of a 200 answer; rclone's error otherwise.
    private static func answer(_ response: HTTPClientResponse, command: String) async throws -> [String: Any] {
        // A whole archive's listing comes as one answer (about 200 bytes a file).
        let bytes = try await response.body.collect(upTo: 1 << 30)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any]
        guard response.status == .ok else {
            let message = object?["error"] as? String ?? "rclone answered \(command) with HTTP \(response.status.code)"
            throw RcloneCallError.failed(message)
        }
        return object ?? [:]
    }

    /// Percent-encodes a query value the way Go reads it back (`+` would be a space).
    static func escape(_ value: String) -> String {
        let allowed = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/:")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// Why a call to rclone's daemon failed: rclone's own error, the daemon gone, or the daemon hung.
enum RcloneCallError: Error {
    case failed(String)
    case daemonDied
    case hung(command: String, after: Duration)

    /// As an rclone command's output, so the same wording rules (not found, refused) apply.
    var output: RcloneOutput {
        switch self {
        case .failed(let message): return RcloneOutput(status: 1, stdout: [], stderr: "ERROR : " + message)
        case .daemonDied:
            return RcloneOutput(status: 1, stdout: [], stderr: "ERROR : rclone's remote-control daemon stopped")
        case .hung(let command, let after):
            return RcloneOutput(
                status: 1, stdout: [],
                stderr: "ERROR : rclone's remote-control daemon did not answer \(command) within "
                    + "\(after.components.seconds) s")
        }
    }
}
