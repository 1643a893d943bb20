import Foundation
import ProtectSimulator

/// ffprobe is required by the tests that check media with it: without it they fail loudly, never pass unchecked.
public struct FFprobeMissing: Error, CustomStringConvertible {
    /// The failure as a test report shows it.
    public var description: String {
        "ffprobe is not installed (apt-get install ffmpeg): this test checks files with it"
    }
}

/// The ffprobe executable on PATH.
public func ffprobeExecutable() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/ffprobe"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw FFprobeMissing()
}

/// The ffmpeg executable beside ffprobe.
public func ffmpegExecutable() throws -> String {
    (try ffprobeExecutable() as NSString).deletingLastPathComponent + "/ffmpeg"
}

/// Runs a program and reads its standard output to the end on a thread of its own (a blocking wait on the
/// concurrency pool would starve the simulators of the other tests); returns the output and the exit status.
private func output(of executable: String, _ arguments: [String]) async throws -> (Data, Int32) {
    let out = Pipe()
    let process = try spawn(executable, arguments, stdout: out)
    return await withCheckedContinuation { continuation in
        Thread {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (data, process.terminationStatus))
        }.start()
    }
}

/// Runs ffprobe on a file (on a thread of its own, like every program a test waits on); returns its JSON output
/// (format and streams) or nil when ffprobe refuses the file.
public func ffprobe(_ path: String) async throws -> [String: Any]? {
    let (data, status) = try await output(
        of: try ffprobeExecutable(),
        ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path])
    guard status == 0 else { return nil }
    return try JSONSerialization.jsonObject(with: data) as? [String: Any]
}

/// What ffprobe says about a media file: its first stream's codec and size, and the duration.
public struct Probe: Sendable {
    /// The first stream's codec.
    public var codec: String
    /// The first stream's width.
    public var width: Int
    /// The first stream's height.
    public var height: Int
    /// The container's duration in seconds.
    public var duration: Double?

    /// Probes `path`; a file ffprobe refuses is an error.
    public static func of(_ path: String) async throws -> Probe {
        guard let object = try await ffprobe(path), let stream = (object["streams"] as? [[String: Any]])?.first else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        let duration = ((object["format"] as? [String: Any])?["duration"] as? String).flatMap(Double.init)
        return Probe(
            codec: stream["codec_name"] as? String ?? "", width: stream["width"] as? Int ?? 0,
            height: stream["height"] as? Int ?? 0, duration: duration)
    }

    /// The picture shown at `seconds` of `path`, decoded by ffmpeg to 8-bit grey, ready to read its burned-in text.
    public static func frame(_ path: String, at seconds: Double) async throws -> OverlayReader {
        let probe = try await of(path)
        let (data, status) = try await output(
            of: try ffmpegExecutable(),
            [
                "-v", "error", "-ss", String(seconds), "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt",
                "gray", "-",
            ])
        guard status == 0, data.count == probe.width * probe.height else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        return OverlayReader(width: probe.width, height: probe.height, luma: Array(data))
    }
}

/// The top-level MP4 boxes of a file, as (type, size).
public func topLevelBoxes(_ bytes: [UInt8]) -> [(String, Int)] {
    var boxes: [(String, Int)] = []
    var offset = 0
    while offset + 8 <= bytes.count {
        var size = Int(bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
        if size == 1 {
            size = Int(bytes[offset + 8..<offset + 16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        guard size >= 8 else { break }
        boxes.append((type, size))
        offset += size
    }
    return boxes
}

extension ExportMovie {
    /// The whole file the simulator would stream for this movie.
    public func bytes() -> [UInt8] {
        var chunks = chunks()
        var bytes: [UInt8] = []
        while let chunk = chunks.next() { bytes += Array(buffer: chunk) }
        return bytes
    }
}
