import Foundation
import ProtectAPI
import ProtectArchive
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Shows what a run does: a line per segment (or a JSON object with `--json`) and, on a terminal, a progress
/// line on stderr redrawn a few times a second.
final class Reporter: Sendable {
    struct State {
        var total = 0
        var finished = 0
        var failures = 0
        var bytes: Int64 = 0
        var progressShown = false
        var outputClosed = false
        var onOutputClosed: (@Sendable () -> Void)?
    }

    let json: Bool
    let quiet: Bool
    let showProgress: Bool
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Set when several consoles share the output: their name leads each line (a `console` key in JSON).
    let console: String?

    /// `progress: false` for a daemon, whose lines are its progress.
    init(json: Bool, quiet: Bool, progress: Bool = true, console: String? = nil) {
        self.console = console
        self.json = json
        self.quiet = quiet
        self.showProgress = progress && !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Counts bytes as they are written.
    @Sendable func addBytes(_ count: Int) {
        state.withLock { $0.bytes += Int64(count) }
    }

    @Sendable func handle(_ event: DownloadEvent) {
        var record: [String: JSONValue] = [:]
        var line: String?
        var toStderr = false
        func describe(_ info: SegmentInfo) {
            record["camera"] = .string(info.cameraName)
            record["cameraId"] = .string(info.cameraID)
            record["start"] = .string(TimeFormatting.iso(info.start))
            record["end"] = .string(TimeFormatting.iso(info.end))
            record["path"] = .string(info.path)
            if !info.eventIDs.isEmpty { record["events"] = .strings(info.eventIDs) }
        }
        switch event {
        case .zoneAssumed(let zone):
            record["event"] = .string("zone")
            record["zone"] = .string(zone)
            if !quiet { line = "Times without an offset are read in the console's time zone, \(zone)." }
            toStderr = true
        case .planned(let total):
            state.withLock { $0.total = total }
            return
        case .started(let info):
            guard json else { return }
            record["event"] = .string("started")
            describe(info)
        case .downloaded(let info, let bytes, let seconds, let attempts, let sha256, _):
            state.withLock { $0.finished += 1 }
            record["event"] = .string("finished")
            describe(info)
            record["bytes"] = .int(bytes)
            record["seconds"] = .double(seconds)
            record["attempts"] = .int(Int64(attempts))
            record["sha256"] = .string(sha256)
            if !quiet {
                line =
                    "downloaded  \(info.path) (\(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)))"
            }
        case .skippedExisting(let info):
            state.withLock { $0.finished += 1 }
            record["event"] = .string("skipped")
            describe(info)
            if !quiet { line = "skipped     \(info.path) (exists)" }
        case .skippedPlaceholder(let info):
            state.withLock { $0.finished += 1 }
            record["event"] = .string("placeholder")
            describe(info)
            line =
                "skipped     \(info.path) (an empty placeholder left by a run that died: not footage; delete it to "
                + "try again)"
            toStderr = true
        case .notice(let text):
            record["event"] = .string("notice")
            record["message"] = .string(text)
            if !quiet { line = text }
            toStderr = true
        case .noFootage(let info, let reason):
            state.withLock { $0.finished += 1 }
            record["event"] = .string("empty")
            describe(info)
            record["reason"] = .string(reason)
            if !quiet { line = "no footage  \(info.path) (the console: \(reason))" }
        case .short(let info, let path, let bytes, let attempts, let reason):
            state.withLock { $0.finished += 1 }
            record["event"] = .string("short")
            describe(info)
            record["path"] = .string(path)
            record["bytes"] = .int(bytes)
            record["attempts"] = .int(Int64(attempts))
            record["reason"] = .string(reason)
            line = "short       \(path) (\(reason); kept under this name, not asked again)"
            toStderr = true
        case .failed(let info, let error, let attempts):
            let reason = ErrorText.sentence(error)
            state.withLock {
                $0.finished += 1
                $0.failures += 1
            }
            record["event"] = .string("failed")
            describe(info)
            record["reason"] = .string(reason)
            record["attempts"] = .int(Int64(attempts))
            line = "failed      \(info.path): \(reason)"
            toStderr = true
        case .retrying(let info, let attempt, let error):
            let reason = ErrorText.sentence(error)
            record["event"] = .string("retrying")
            describe(info)
            record["attempts"] = .int(Int64(attempt))
            record["reason"] = .string(reason)
            if !quiet { line = "retrying    \(info.path) after attempt \(attempt): \(reason)" }
            toStderr = true
        case .imageSaved(let info, let path, let bytes):
            record["event"] = .string("image")
            describe(info)
            record["image"] = .string(path)
            record["bytes"] = .int(Int64(bytes))
            if !quiet { line = "saved       \(path) (\(bytes) bytes)" }
        case .imageFailed(let info, let path, let error):
            let reason = ErrorText.sentence(error)
            state.withLock { $0.failures += 1 }
            record["event"] = .string("imageFailed")
            describe(info)
            record["image"] = .string(path)
            record["reason"] = .string(reason)
            line = "failed      \(path): \(reason)"
            toStderr = true
        case .eventSkipped(let id, let cameraID, let reason):
            record["event"] = .string("eventSkipped")
            record["id"] = .string(id)
            record["cameraId"] = cameraID.map { .string($0) } ?? .null
            record["reason"] = .string(reason)
            if !quiet { line = "not clipped event \(id): \(reason)" }
            toStderr = true
        }
        if json {
            if let data = try? encoder.encode(record) { emit(String(decoding: data, as: UTF8.self), toStderr: false) }
            if toStderr, let line { emit(line, toStderr: true) }
        } else if let line {
            emit(line, toStderr: toStderr)
        }
    }

    /// Writes one JSON object as a line on stdout.
    func emitJSON(_ object: [String: JSONValue]) {
        var object = object
        if let console { object["console"] = .string(console) }
        if let data = try? encoder.encode(object) { emit(String(decoding: data, as: UTF8.self), toStderr: false) }
    }

    /// Writes a line, clearing the progress line first so they do not mix. When the reader of stdout or stderr has
    /// gone away, the run is asked to stop (once) and nothing more is written.
    func emit(_ line: String, toStderr: Bool) {
        let line = console.map { line.hasPrefix("{") ? line : "[\($0)] " + line } ?? line
        let closedNow: (@Sendable () -> Void)? = state.withLock { state in
            guard !state.outputClosed else { return nil }
            if state.progressShown {
                Console.writeRaw("\r\u{1B}[K", to: .standardError)
                state.progressShown = false
            }
            if Console.write(line, to: toStderr ? .standardError : .standardOutput) { return nil }
            state.outputClosed = true
            return state.onOutputClosed ?? {}
        }
        closedNow?()
    }

    /// Whether stdout or stderr was closed by its reader during the run.
    var outputClosed: Bool { state.withLock { $0.outputClosed } }

    /// Called once when the output is found closed.
    func onOutputClosed(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onOutputClosed = action }
    }

    /// Redraws the progress line until cancelled.
    func runProgress() async {
        guard showProgress else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let seconds = max(0.001, (ContinuousClock.now - started).inSeconds)
            state.withLock { state in
                let rate = Double(state.bytes) / seconds
                var text = "[\(state.finished)/\(state.total)] "
                text += ByteCountFormatter.string(fromByteCount: state.bytes, countStyle: .file)
                text += ", \(ByteCountFormatter.string(fromByteCount: Int64(rate), countStyle: .file))/s"
                if state.finished > 0 && state.total > state.finished {
                    let eta = seconds / Double(state.finished) * Double(state.total - state.finished)
                    text += ", ETA \(Int(eta) / 60)m\(String(format: "%02d", Int(eta) % 60))s"
                }
                if state.failures > 0 { text += ", \(state.failures) failed" }
                Console.writeRaw("\r\u{1B}[K\(text)", to: .standardError)
                state.progressShown = true
            }
        }
    }

    /// Prints the run's summary: the original's line, or a JSON object.
    func finish(_ summary: DownloadSummary) {
        if json {
            var object: [String: JSONValue] = [
                "event": .string("summary"), "downloaded": .int(Int64(summary.downloaded)),
                "skipped": .int(Int64(summary.skipped)), "empty": .int(Int64(summary.noFootage)),
                "failed": .int(Int64(summary.failed)), "total": .int(Int64(summary.total)),
                "placeholders": .int(Int64(summary.placeholders)),
                "bytes": .int(summary.bytes), "images": .int(Int64(summary.images)),
                "overloads": .int(Int64(summary.overloads)), "interrupted": .bool(summary.interrupted),
            ]
            if let stoppedBy = summary.stoppedBy { object["stoppedBy"] = .string(stoppedBy) }
            if let data = try? encoder.encode(object) { emit(String(decoding: data, as: UTF8.self), toStderr: false) }
        } else {
            if let note = summary.note { emit("protect-dl: \(note)", toStderr: true) }
            emit(summary.line, toStderr: false)
        }
    }
}
