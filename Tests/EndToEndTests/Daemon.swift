import Foundation
import Testing

/// A built binary running in the background (a daemon under test): its output goes to files read on demand, and it
/// is stopped by a signal.
final class Daemon: Sendable {
    let process: Process
    let outFile: URL
    let errFile: URL

    init(_ executable: String, _ arguments: [String], environment changes: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in changes { environment[name] = value }
        process.environment = environment
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("protect-dl-daemon-\(UUID())")
        outFile = base.appendingPathExtension("out")
        errFile = base.appendingPathExtension("err")
        for file in [outFile, errFile] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: outFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the end; returns the exit status and the seconds it took.
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> (status: Int32, seconds: Double) {
        let began = Date()
        kill(process.processIdentifier, signal)
        try await waitForExit(process, timeout: timeout)
        return (process.terminationStatus, Date().timeIntervalSince(began))
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
}
