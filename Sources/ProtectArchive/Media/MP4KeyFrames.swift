import Foundation

/// The key frames of an MP4's first video track, read from its index (`moov`): no process, nothing decoded.
///
/// The times are presentation times in seconds as ffmpeg's MP4 demuxer gives them, and so as the concat demuxer's
/// `inpoint` reads them: the decode time (`stts`) plus the sample's composition offset (`ctts`), less where the edit
/// list's one edit enters the media. An index this reader does not follow (fragmented, an edit list with an empty
/// edit, several edits or another rate) gives nil, and the caller asks ffprobe.
struct MP4KeyFrames: Equatable {
    /// Presentation times of the key frames, in seconds, in decode order.
    var times: [Double]

    /// Reads the index of the MP4 at `path`; nil when the file is not a whole MP4 or its index is not followed.
    static func read(path: String) -> MP4KeyFrames? {
        guard let moov = try? MP4Check.index(path: path) else { return nil }
        return MP4KeyFrames(moov: moov)
    }

    /// Reads a `moov` box (header included).
    init?(moov bytes: [UInt8]) {
        let box = BoxReader(bytes: bytes)
        guard let moov = box.body(ofBoxAt: 0), let track = box.children(moov)?.first(where: box.isVideoTrack),
            let media = box.child("mdia", of: track.body), let header = box.child("mdhd", of: media),
            let timescale = box.timescale(header), timescale > 0,
            let table = box.child("minf", of: media).flatMap({ box.child("stbl", of: $0) }),
            let decodeDeltas = box.runs(box.child("stts", of: table))
        else { return nil }
        guard let mediaStart = box.mediaStart(box.child("edts", of: track.body).flatMap { box.child("elst", of: $0) })
        else { return nil }
        let offsets = box.runs(box.child("ctts", of: table)) ?? []
        let sampleCount = decodeDeltas.reduce(0) { $0 + $1.count }
        // A fragmented file's samples are in its fragments (`moof`), not in this index.
        guard sampleCount > 0, box.child("mvex", of: moov) == nil else { return nil }
        let keys: [Int]
        if let sync = box.child("stss", of: table) {
            guard let numbers = box.numbers(sync) else { return nil }
            keys = numbers.map { $0 - 1 }
        } else {
            keys = Array(0..<sampleCount)  // no sync table: every sample is a key frame
        }
        var decode = RunCursor(runs: decodeDeltas)
        var composition = RunCursor(runs: offsets)
        var times: [Double] = []
        times.reserveCapacity(keys.count)
        for key in keys {
            guard key >= 0, key < sampleCount, let dts = decode.sum(before: key) else { return nil }
            let offset = offsets.isEmpty ? 0 : composition.value(at: key) ?? 0
            times.append(Double(dts + offset - mediaStart) / Double(timescale))
        }
        self.times = times
    }

    /// The latest key frame at or before `seconds`; nil when there is none.
    func latest(atOrBefore seconds: Double) -> Double? {
        times.filter { $0 <= seconds }.max()
    }
}

/// Walks runs of (count, value) as a sample index grows: the value of a sample, or the sum of the values before it.
private struct RunCursor {
    let runs: [(count: Int, value: Int64)]
    var run = 0
    var firstSample = 0  // the first sample of `run`
    var sumBefore: Int64 = 0  // the values' sum over the samples before `firstSample`

    init(runs: [(count: Int, value: Int64)]) {
        self.runs = runs
    }

    /// Moves to the run holding `sample` (samples only grow, or it starts over); false past the last run.
    mutating func seek(_ sample: Int) -> Bool {
        if sample < firstSample { (run, firstSample, sumBefore) = (0, 0, 0) }
        while run < runs.count, sample >= firstSample + runs[run].count {
            sumBefore += Int64(runs[run].count) * runs[run].value
            firstSample += runs[run].count
            run += 1
        }
        return run < runs.count
    }

    mutating func value(at sample: Int) -> Int64? {
        seek(sample) ? runs[run].value : nil
    }

    mutating func sum(before sample: Int) -> Int64? {
        seek(sample) ? sumBefore + Int64(sample - firstSample) * runs[run].value : nil
    }
}

/// Reads ISO base media boxes from a byte array: big-endian fields, children of a box's body.
private struct BoxReader {
    let bytes: [UInt8]

    func integer(_ at: Int, _ width: Int) -> UInt64? {
        guard at >= 0, at + width <= bytes.count else { return nil }
        return bytes[at..<at + width].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// The body of the box that starts at `offset`.
    func body(ofBoxAt offset: Int) -> Range<Int>? {
        guard var size = integer(offset, 4).map(Int.init) else { return nil }
        var header = 8
        if size == 1 {
            guard let large = integer(offset + 8, 8) else { return nil }
            (size, header) = (Int(clamping: large), 16)
        } else if size == 0 {
            size = bytes.count - offset
        }
        guard size >= header, offset + size <= bytes.count else { return nil }
        return offset + header..<offset + size
    }

    /// The boxes inside `range`: type and body.
    func children(_ range: Range<Int>) -> [(type: String, body: Range<Int>)]? {
        var found: [(type: String, body: Range<Int>)] = []
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound {
            guard let body = body(ofBoxAt: offset), body.upperBound <= range.upperBound else { return nil }
            found.append((String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self), body))
            offset = body.upperBound
        }
        return found
    }

    func child(_ type: String, of range: Range<Int>) -> Range<Int>? {
        children(range)?.first { $0.type == type }?.body
    }

    func isVideoTrack(_ box: (type: String, body: Range<Int>)) -> Bool {
        guard box.type == "trak", let handler = child("mdia", of: box.body).flatMap({ child("hdlr", of: $0) })
        else { return false }
        return handler.count >= 12
            && String(decoding: bytes[handler.lowerBound + 8..<handler.lowerBound + 12], as: UTF8.self) == "vide"
    }

    /// A media header's timescale (both versions).
    func timescale(_ header: Range<Int>) -> UInt64? {
        integer(header.lowerBound + (bytes[header.lowerBound] == 1 ? 20 : 12), 4)
    }

    /// A table of (count, value) runs (`stts`, `ctts`); values are signed, as ffmpeg reads both `ctts` versions.
    func runs(_ table: Range<Int>?) -> [(count: Int, value: Int64)]? {
        guard let table, let count = integer(table.lowerBound + 4, 4).map(Int.init),
            table.lowerBound + 8 + count * 8 <= table.upperBound
        else { return nil }
        return (0..<count).map { entry in
            let at = table.lowerBound + 8 + entry * 8
            return (Int(integer(at, 4) ?? 0), Int64(Int32(bitPattern: UInt32(integer(at + 4, 4) ?? 0))))
        }
    }

    /// A table of 32-bit numbers (`stss`).
    func numbers(_ table: Range<Int>) -> [Int]? {
        guard let count = integer(table.lowerBound + 4, 4).map(Int.init),
            table.lowerBound + 8 + count * 4 <= table.upperBound
        else { return nil }
        return (0..<count).map { Int(integer(table.lowerBound + 8 + $0 * 4, 4) ?? 0) }
    }

    /// Where the edit list's only edit enters the media (in the media's timescale); 0 without an edit list; nil
    /// for edit lists this reader does not follow.
    func mediaStart(_ list: Range<Int>?) -> Int64? {
        guard let list else { return 0 }
        let version = bytes[list.lowerBound]
        guard let count = integer(list.lowerBound + 4, 4), count == 1 else { return nil }
        let entry = list.lowerBound + 8
        let (timeWidth, rateAt) = version == 1 ? (8, entry + 16) : (4, entry + 8)
        guard let raw = integer(entry + timeWidth, timeWidth), let rate = integer(rateAt, 4), rate == 0x0001_0000
        else { return nil }
        let start = version == 1 ? Int64(bitPattern: raw) : Int64(Int32(bitPattern: UInt32(raw)))
        return start >= 0 ? start : nil
    }
}
