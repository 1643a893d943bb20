import Foundation

extension FFmpeg {
    /// The time, in seconds from the file's start, of the last key frame at or before `seconds` in `path` (read
    /// from the packets' flags: nothing is decoded).
    func keyframe(atOrBefore seconds: Double, in path: String) async throws -> Double {
        let limit = seconds + 0.0005
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
