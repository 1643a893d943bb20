import Foundation

extension FFmpeg {
    /// The time, in seconds from the file's start, of the last key frame at or before `seconds` in `path`: read
    /// from the file's index, or, for an index `MP4KeyFrames` does not follow, from the packets' flags by ffprobe
    /// (nothing is decoded either way).
    func keyframe(atOrBefore seconds: Double, in path: String) async throws -> Double {
        let limit = seconds + 0.0005
        // The file's own index answers without a process (a clip's only wait before ffmpeg starts copying).
        if case let index??? = await BlockingWork.map([path], width: 1, { MP4KeyFrames.read(path: $0) }).first {
            return index.latest(atOrBefore: limit) ?? 0
        }
        for window in [30.0, Double.infinity] {
            let from = window.isInfinite ? 0 : max(0, seconds - window)
            let output = try await probe(
                [
                    "-select_streams", "v:0", "-read_intervals", "\(from)%\(limit)", "-show_entries",
                    "packet=pts_time,flags", "-of", "csv=p=0", path,
                ], input: path)
            var best: Double?
            for line in String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let fields = line.split(separator: ",")
                guard fields.count >= 2, fields[1].contains("K"), let time = Double(fields[0]), time <= limit
                else { continue }
                best = max(best ?? time, time)
            }
            if let best { return best }
            if from == 0 { break }
        }
        return 0
    }
}

/// A video stream's picture size and frame rate.
struct VideoShape: Sendable, Equatable {
    var width: Int
    var height: Int
    var framesPerSecond: Double
}

extension FFmpeg {
    /// The first video stream's size and average frame rate in `path` (from its header: nothing is decoded).
    func videoShape(of path: String) async throws -> VideoShape {
        let output = try await probe(
            [
                "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate", "-of",
                "default=noprint_wrappers=1", path,
            ], input: path)
        var fields: [String: String] = [:]
        for line in String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let rate = (fields["avg_frame_rate"] ?? "").split(separator: "/").compactMap { Double($0) }
        let fps = rate.count == 2 && rate[1] > 0 ? rate[0] / rate[1] : (rate.first ?? 0)
        guard let width = fields["width"].flatMap(Int.init), let height = fields["height"].flatMap(Int.init),
            width > 0, height > 0
        else { throw MediaError.damagedInput(path: path, reason: "it has no video stream") }
        return VideoShape(width: width, height: height, framesPerSecond: fps > 0 && fps <= 120 ? fps : 25)
    }
}
