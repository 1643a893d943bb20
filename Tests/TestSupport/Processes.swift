import Foundation
import Testing

/// What a run of a program did.
public struct RunResult: Sendable {
    /// The exit status.
    public var status: Int32
    /// Standard output, as text.
    public var stdout: String
    /// Standard error, as text.
    public var stderr: String
    /// The last line of standard output.
    public var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
    /// Creates a result.
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Starts `executable` with `environment` changed (a nil value removes the variable); stdin is /dev/null and output
/// goes where given (a `Pipe`, a `FileHandle`; nil: /dev/null).
public func spawn(
    _ executable: String, _ arguments: [String], environment changes: [String: String?] = [:],
    stdout: Any? = nil, stderr: Any? = nil, directory: URL? = nil
) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    // protect-dl reads no configuration file unless a test names one: a file in /etc/protect-dl or ~/.config on
    // the machine running the tests must not change what they test.
    environment["PROTECT_DL_CONFIG"] = "/dev/null"
    for (name, value) in changes { environment[name] = value }
    process.environment = environment
    if let directory { process.currentDirectoryURL = directory }
    process.standardOutput = stdout ?? FileHandle.nullDevice
    process.standardError = stderr ?? FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
}

/// Runs a program to its end with `environment` changed (a nil value removes the variable); past the deadline the
/// test fails loudly and the program is killed.
public func runProcess(
    _ executable: String, _ arguments: [String], environment changes: [String: String?] = [:], timeout: Double = 120,
    directory: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    let out = Pipe()
    let err = Pipe()
    let process = try spawn(
        executable, arguments, environment: changes, stdout: out, stderr: err, directory: directory)
    // Pipes are drained on threads of their own: blocking reads on the concurrency pool would starve the
    // simulator that runs in this process.
    async let stdout = drain(out)
    async let stderr = drain(err)
    try await waitForExit(process, timeout: timeout, sourceLocation: sourceLocation)
    return RunResult(
        status: process.terminationStatus, stdout: String(decoding: await stdout, as: UTF8.self),
        stderr: String(decoding: await stderr, as: UTF8.self))
}

/// Reads `pipe` to its end on a thread of its own.
public func drain(_ pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
        thread.start()
    }
}

/// Waits for the process to end; past the deadline the test fails loudly and the process is killed.
public func waitForExit(
    _ process: Process, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let name = process.executableURL?.lastPathComponent ?? "the program"
    do {
        try await eventually(
            "\(name) to exit", timeout: .milliseconds(Int64(timeout * 1000)), sourceLocation: sourceLocation
        ) { !process.isRunning }
    } catch is WaitTimedOut {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A program running in the background (a daemon under test): its output goes to files read on demand, and it is
/// stopped by a signal.
public final class Daemon: Sendable {
    /// The running program.
    public let process: Process
    /// The file its standard output goes to.
    public let outFile: URL
    /// The file its standard error goes to.
    public let errFile: URL

    /// Starts `executable` with `environment` changed.
    public init(_ executable: String, _ arguments: [String], environment changes: [String: String] = [:]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-daemon-\(UUID())")
        outFile = base.appendingPathExtension("out")
        errFile = base.appendingPathExtension("err")
        for file in [outFile, errFile] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        process = try spawn(
            executable, arguments, environment: changes.mapValues { $0 }, stdout: try FileHandle(forWritingTo: outFile),
            stderr: try FileHandle(forWritingTo: errFile))
    }

    /// Its standard output so far.
    public var stdout: String { (try? String(contentsOf: outFile, encoding: .utf8)) ?? "" }
    /// Its standard error so far.
    public var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the end; returns the exit status and the seconds it took.
    public func stop(_ signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> (status: Int32, seconds: Double) {
        let began = ContinuousClock.now
        kill(process.processIdentifier, signal)
        try await waitForExit(process, timeout: timeout)
        let took = ContinuousClock.now - began
        return (process.terminationStatus, Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
}
