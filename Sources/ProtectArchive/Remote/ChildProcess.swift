import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process (rclone) in a process group of its own: its stdin a pipe this process writes, its stdout a pipe
/// read on a thread of its own when asked, its stderr kept in an unlinked temporary file.
///
/// Terminal signals reach only protect-dl, which forwards exactly one SIGTERM: a second one would kill rclone in the
/// middle of aborting an upload. Nothing here blocks the cooperative pool: pipe writes run on a serial queue and the
/// wait for the exit on the thread that started the child. That thread lives exactly as long as the child: Linux sends
/// a parent-death signal (`setpriv --pdeathsig`) when the spawning *thread* ends, so a pool thread retired while an
/// upload runs would abort it.
final class ChildProcess: Sendable {
    /// Why a child could not be started.
    struct SpawnError: Error {
        var executable: String
        var errno: Int32
    }

    let pid: pid_t
    private let input: Mutex<Int32>
    private let output: Int32
    private let errorFile: Int32
    private let writer: DispatchQueue
    private let signalled = Mutex(false)
    private let exit = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    /// Starts `arguments[0]` (looked up in `PATH` when it has no slash) with `environment`, from a thread that then
    /// waits for its end.
    static func start(_ arguments: [String], environment: [String: String], stdin: Bool = false, stdout: Bool = false)
        async throws -> ChildProcess
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let child: ChildProcess
                do {
                    child = ChildProcess(
                        try Self.launch(arguments, environment: environment, stdin: stdin, stdout: stdout))
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: child)
                child.waitForExit()
            }
        }
    }

    /// Held from the creation of a child's descriptors to its spawn: without `pipe2`/`O_CLOEXEC` at creation (not
    /// exported to Swift here), a child spawned by another thread in between would inherit them, and an rclone
    /// holding a sibling's stdin open would keep it from ever reading end of file.
    private static let spawning = Mutex(())

    /// A spawned child's pid and this side's descriptors.
    private struct Launched {
        var pid: pid_t
        var input: Int32
        var output: Int32
        var errorFile: Int32
    }

    // The initialiser cannot fail: a throwing one, with the default-valued `Mutex` properties already set, made the
    // Swift 6.3.1 optimiser crash (an ownership error in CopyPropagation) in a build with `-enable-testing`.
    private init(_ launched: Launched) {
        self.pid = launched.pid
        self.input = Mutex(launched.input)
        self.output = launched.output
        self.errorFile = launched.errorFile
        self.writer = DispatchQueue(label: "protect-dl.rclone.stdin.\(launched.pid)")
    }

    /// Creates the pipes and the stderr file and spawns the child.
    private static func launch(_ arguments: [String], environment: [String: String], stdin: Bool, stdout: Bool) throws
        -> Launched
    {
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        var errorFile: Int32 = -1
        var pid: pid_t = 0
        let result: Int32 = try spawning.withLock { _ in
            func closeOnExec(_ descriptor: Int32) { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            if stdin {
                guard pipe(&inputPipe) == 0 else { throw SpawnError(executable: arguments[0], errno: errno) }
                inputPipe.forEach(closeOnExec)
            }
            if stdout {
                guard pipe(&outputPipe) == 0 else { throw SpawnError(executable: arguments[0], errno: errno) }
                outputPipe.forEach(closeOnExec)
            }
            var template = Array((NSTemporaryDirectory() + "/protect-dl-rclone-XXXXXX").utf8CString)
            errorFile = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if errorFile >= 0 {
                closeOnExec(errorFile)
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            }
            return spawn(
                arguments, environment: environment, input: stdin ? inputPipe[0] : -1,
                output: stdout ? outputPipe[1] : -1, error: errorFile, pid: &pid)
        }
        if stdin { close(inputPipe[0]) }
        if stdout { close(outputPipe[1]) }
        guard result == 0 else {
            if stdin { close(inputPipe[1]) }
            if stdout { close(outputPipe[0]) }
            if errorFile >= 0 { close(errorFile) }
            throw SpawnError(executable: arguments[0], errno: result)
        }
        return Launched(
            pid: pid, input: stdin ? inputPipe[1] : -1, output: stdout ? outputPipe[0] : -1, errorFile: errorFile)
    }

    /// posix_spawn with the descriptors in place (/dev/null for those not given), default signal handling, an
    /// empty signal mask and a process group of its own.
    private static func spawn(
        _ arguments: [String], environment: [String: String], input: Int32, output: Int32, error: Int32,
        pid: inout pid_t
    ) -> Int32 {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input >= 0 ? input : devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, output >= 0 ? output : devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, error >= 0 ? error : devNull, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        return posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    }

    /// Blocks the calling (spawning) thread until the child ends, then wakes those waiting.
    private func waitForExit() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let waiters = exit.withLock { state in
            state.status = code
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: code) }
    }

    deinit {
        closeInput()
        if output >= 0 { close(output) }
        if errorFile >= 0 { close(errorFile) }
    }

    /// Writes all of `buffer` to the child's stdin; throws `EPIPE` when the child has gone.
    func write(_ buffer: ByteBuffer) async throws {
        let descriptor = input.withLock { $0 }
        guard descriptor >= 0 else { throw POSIXError(.EPIPE) }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.async {
                let failure: Int32? = buffer.withUnsafeReadableBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                        if count < 0 {
                            if errno == EINTR { continue }
                            return errno
                        }
                        offset += count
                    }
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
                } else {
                    continuation.resume()
                }
            }
        }
    }

    /// Closes stdin: the child reads end of file (for rclone: the stream is whole, commit it).
    func closeInput() {
        input.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    /// Sends SIGTERM, at most once in the child's life, and only while it runs.
    func terminateOnce() {
        let first = signalled.withLock { sent in
            defer { sent = true }
            return !sent
        }
        if first && exit.withLock({ $0.status == nil }) { kill(pid, SIGTERM) }
    }

    /// Sends SIGKILL while the child runs (one that hung: stopped, or deaf to SIGTERM).
    func killNow() {
        if exit.withLock({ $0.status == nil }) { kill(pid, SIGKILL) }
    }

    /// Whether the child has ended (and was reaped).
    var hasExited: Bool { exit.withLock { $0.status != nil } }

    /// Waits for the child to end; its exit code, or 128 + the signal that ended it.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done: Int32? = exit.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Reads the child's stdout to its end on a thread of its own, handing each chunk to `handle` there.
    func readOutput(_ handle: @escaping @Sendable ([UInt8]) -> Void) async {
        let descriptor = output
        guard descriptor >= 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    handle(Array(buffer[0..<count]))
                }
                continuation.resume()
            }
        }
    }

    /// What the child wrote to stderr (the last 64 KiB).
    func errorText() -> String {
        guard errorFile >= 0 else { return "" }
        let size = lseek(errorFile, 0, SEEK_END)
        let start = max(0, size - 65536)
        var bytes = [UInt8](repeating: 0, count: Int(size - start))
        let count = bytes.withUnsafeMutableBytes { pread(errorFile, $0.baseAddress!, $0.count, start) }
        return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
    }
}
