import Foundation
import NIOCore
import ProtectAPI

/// Footage the archive lacks, exported from the console hour by hour into a scratch folder, so that `clip` covers a
/// range the archive holds only part of.
public struct ConsoleFootage: Sendable {
    public var client: ProtectClient
    /// Where the exported files go; the caller removes it.
    public var folder: URL

    public init(client: ProtectClient, folder: URL) {
        self.client = client
        self.folder = folder
    }

    /// `plan` with its gaps filled from the console where it has footage, and the spans so filled.
    func fill(_ plan: ClipPlan, cameraID: String, stream: String, ffmpeg: FFmpeg) async throws
        -> (plan: ClipPlan, fetched: [Range<Int64>])
    {
        var pieces = plan.pieces
        var gaps: [Range<Int64>] = []
        var fetched: [Range<Int64>] = []
        for gap in plan.gaps {
            for chunk in Self.hours(of: gap) {
                let file = folder.appendingPathComponent("\(cameraID)-\(stream)-\(chunk.lowerBound).mp4")
                guard let seconds = try await export(cameraID: cameraID, stream: stream, chunk: chunk, to: file, ffmpeg)
                else {
                    gaps.append(chunk)
                    continue
                }
                // The console may add the frame at the end asked for: the piece is cut there.
                let held = min(chunk.upperBound - chunk.lowerBound, Int64((seconds * 1000).rounded()))
                let span = chunk.lowerBound..<(chunk.lowerBound + held)
                pieces.append(
                    ClipPlan.Piece(
                        path: "", start: span.lowerBound, end: span.upperBound, inpoint: nil,
                        outpoint: Double(held) / 1000, file: file.path))
                fetched.append(span)
                if chunk.upperBound - span.upperBound > 2000 { gaps.append(span.upperBound..<chunk.upperBound) }
            }
        }
        pieces.sort { $0.covered.lowerBound < $1.covered.lowerBound }
        return (ClipPlan(pieces: pieces, gaps: Self.merged(gaps)), Self.merged(fetched))
    }

    /// Exports `chunk` into `file`; its length in seconds, or nil when the console has no footage for it.
    func export(cameraID: String, stream: String, chunk: Range<Int64>, to file: URL, _ ffmpeg: FFmpeg) async throws
        -> Double?
    {
        let request = ExportRequest(
            cameraID: cameraID, start: chunk.lowerBound, end: chunk.upperBound, channel: Int(stream) ?? 0)
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: file.path)
        else {
            throw ArchiveError.destinationNotWritable(file.path, reason: "the file cannot be created")
        }
        let outcome = try await client.withExport(request) { body in
            defer { try? handle.close() }
            for try await chunk in body {
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            return true
        }
        guard case .footage = outcome else { return nil }
        let output = try await ffmpeg.probe(
            ["-show_entries", "format=duration", "-of", "csv=p=0", file.path], input: file.path)
        let seconds = Double(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        guard let seconds, seconds > 0.5 else { return nil }
        return seconds
    }

    /// A span cut at the hours (an export of at most one hour each).
    static func hours(of span: Range<Int64>) -> [Range<Int64>] {
        var chunks: [Range<Int64>] = []
        var cursor = span.lowerBound
        while cursor < span.upperBound {
            let next = min(span.upperBound, (cursor / 3_600_000 + 1) * 3_600_000)
            chunks.append(cursor..<next)
            cursor = next
        }
        return chunks
    }

    /// Spans in order with touching ones joined.
    static func merged(_ spans: [Range<Int64>]) -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, last.upperBound >= span.lowerBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                result.append(span)
            }
        }
        return result
    }
}
