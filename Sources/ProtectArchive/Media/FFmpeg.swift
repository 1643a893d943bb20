import Foundation
import Synchronization

/// The one way protect-dl runs ffmpeg and ffprobe: a child process of its own, ended with the task, and every
/// failure translated into a `MediaError`.
public struct FFmpeg: Sendable {
    /// The ffmpeg executable (looked up in PATH without a slash).
    public var ffmpeg: String
    /// The ffprobe executable.
    public var ffprobe: String

    public init(ffmpeg: String = "ffmpeg", ffprobe: String = "ffprobe") {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
    }

    /// A `progress` for `run` that hands on ffmpeg's output time as the fraction of `seconds` written (0 to 1).
    static func fraction(
        of seconds: Double, _ report: @escaping @Sendable (Double) -> Void
    ) -> @Sendable (Substring, Substring) -> Void {
        { key, value in
            if key == "out_time_us", let micro = Double(value), micro >= 0 {
                report(min(1, micro / 1_000_000 / seconds))
            }
        }
    }

    /// What a finished run printed.
    struct Output: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// Runs ffmpeg with `arguments` (quiet, never asking) to its end; a failure is a `MediaError`. With
    /// `progress`, ffmpeg reports on stdout (`-progress pipe:1`) and each `key=value` line reaches `progress`.
    func run(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        progress: (@Sendable (Substring, Substring) -> Void)? = nil
    ) async throws {
        let reporting = progress == nil ? [] : ["-progress", "pipe:1", "-nostats"]
        let output = try await execute(
            [ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-y"] + reporting + arguments,
            environment: environment
        ) { chunk, pending in
            guard let progress else { return }
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { progress(parts[0], parts[1]) }
            }
        }
        if output.status != 0 { throw Self.classify(output, input: input) }
    }

    /// Runs ffmpeg with `arguments`; what it wrote to standard output (e.g. `pipe:1`).
    func output(_ arguments: [String], input: String? = nil) async throws -> [UInt8] {
        let output = try await execute([ffmpeg, "-nostdin", "-hide_banner", "-v", "error"] + arguments)
        if output.status != 0 { throw Self.classify(output, input: input) }
        return output.stdout
    }

    /// Runs ffprobe with `arguments`; its standard output.
    func probe(_ arguments: [String], input: String? = nil) async throws -> [UInt8] {
        let output = try await execute([ffprobe, "-hide_banner", "-v", "error"] + arguments)
        if output.status != 0 { throw Self.classify(output, input: input) }
        return output.stdout
    }

    /// Starts the child and collects its output; a cancelled task ends it.
    private func execute(
        _ command: [String], environment: [String: String] = [:],
        _ stream: (@Sendable ([UInt8], inout [UInt8]) -> Void)? = nil
    ) async throws -> Output {
        let child: ChildProcess
        do {
            child = try await ChildProcess.start(
                command, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: true)
        } catch is ChildProcess.SpawnError {
            throw MediaError.ffmpegMissing(command[0])
        }
        return await withTaskCancellationHandler {
            let collected = Mutex<[UInt8]>([])
            let pending = Mutex<[UInt8]>([])
            await child.readOutput { chunk in
                if let stream {
                    pending.withLock { stream(chunk, &$0) }
                } else {
                    collected.withLock { $0 += chunk }
                }
            }
            let status = await child.wait()
            return Output(status: status, stdout: collected.withLock { $0 }, stderr: child.errorText())
        } onCancel: {
            child.terminateOnce()
        }
    }

    /// What a failed run's error output means.
    static func classify(_ output: Output, input: String?) -> MediaError {
        let lines = output.stderr.split(whereSeparator: \.isNewline).map(String.init)
        let last = lines.last?.trimmingCharacters(in: .whitespaces) ?? "exit status \(output.status)"
        for line in lines {
            if let name = line.firstMatch(of: /No such filter: '([^']+)'/)?.1 {
                return .filterMissing("the \(name) filter")
            }
            if let name = line.firstMatch(of: /Unknown encoder '([^']+)'/)?.1 {
                return .filterMissing("the \(name) encoder")
            }
            if line.contains("Cannot find a valid font") || line.contains("Could not load font") {
                return .filterMissing("a font for drawtext (apt-get install fonts-dejavu-core)")
            }
            if line.contains("Encoder not found") || line.contains("Unknown decoder") {
                return .filterMissing("an encoder or decoder (\(line))")
            }
        }
        let damaged = [
            "Invalid data found", "moov atom not found", "Impossible to open", "error reading header",
            "No such file or directory", "corrupt", "Error while decoding",
        ]
        if let line = lines.first(where: { line in damaged.contains { line.contains($0) } }) {
            let path = line.firstMatch(of: /'([^']+\.mp4)'/).map { String($0.1) } ?? input
            return .damagedInput(path: path, reason: line.trimmingCharacters(in: .whitespaces))
        }
        return .failed(last)
    }
}
