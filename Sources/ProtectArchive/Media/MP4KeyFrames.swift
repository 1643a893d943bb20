import Foundation

/// The key frames of an MP4's first video track, read from its index (`moov`): no process, nothing decoded.
///
/// The times are presentation times in seconds as ffmpeg's MP4 demuxer gives them, and so as the concat demuxer's
/// `inpoint` reads them: the decode time (`stts`) plus the sample's composition offset (`ctts`), less where the edit
/// list's one edit enters the media (which must be the first sample's presentation time), and none past the edit's
/// end. Anything this reader does not follow as ffmpeg does gives nil, and the caller asks ffprobe: a fragmented
/// file, an edit list other than one plain edit, a track before the video one that is neither sound nor video,
/// several sample descriptions, key frames declared elsewhere (`stps`, `rap ` sample groups), tables ffmpeg would
/// clip or drop, and any table that does not add up.
struct MP4KeyFrames: Equatable {
    /// Presentation times of the key frames, in seconds, in decode order.
    var times: [Double]

    /// The most samples a file without a sync-sample table (every sample a key frame) is read for.
    static let mostSamplesWithoutSyncTable = 1_000_000

    /// Reads the index of the MP4 at `path`; nil when the file is not a whole MP4 or its index is not followed.
    static func read(path: String) -> MP4KeyFrames? {
        guard let moov = try? MP4Check.index(path: path) else { return nil }
        return MP4KeyFrames(moov: moov)
    }

    /// Reads a `moov` box (header included).
    init?(moov bytes: [UInt8]) {
        let box = BoxReader(bytes: bytes)
        guard let moov = box.body(ofBoxAt: 0), let boxes = box.children(moov),
            !boxes.contains(where: { $0.type == "mvex" }),  // fragmented: the samples are in the fragments
            let movieTimescale = boxes.first(where: { $0.type == "mvhd" }).flatMap({ box.timescale($0.body) }),
            let track = Self.videoTrack(boxes, box), let media = box.child("mdia", of: track),
            let timescale = box.child("mdhd", of: media).flatMap({ box.timescale($0) }), timescale > 0,
            let table = box.child("minf", of: media).flatMap({ box.child("stbl", of: $0) }),
            let tables = box.children(table), box.simple(tables)
        else { return nil }
        let find = { (type: String) in tables.first { $0.type == type }?.body }
        guard let decodeDeltas = box.runs(find("stts")), decodeDeltas.allSatisfy({ $0.value >= 0 }) else {
            return nil
        }
        var offsets: [(count: Int, value: Int64)] = []
        if let composition = find("ctts") {
            guard let runs = box.runs(composition), runs.allSatisfy({ abs($0.value) <= 1 << 28 }) else { return nil }
            offsets = runs
        }
        let sampleCount = decodeDeltas.reduce(0) { $0 + $1.count }
        guard sampleCount > 0, box.sampleCount(find("stsz")) == sampleCount else { return nil }
        let keys: [Int]
        if let sync = find("stss") {
            guard let numbers = box.numbers(sync), let first = numbers.first, first >= 1,
                zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 }), numbers[numbers.count - 1] <= sampleCount
            else { return nil }
            keys = numbers.map { $0 - 1 }
        } else {
            guard sampleCount <= Self.mostSamplesWithoutSyncTable else { return nil }
            keys = Array(0..<sampleCount)  // no sync table: every sample is a key frame
        }
        var composition = RunCursor(runs: offsets)
        let firstOffset = offsets.isEmpty ? 0 : composition.value(at: 0) ?? 0
        // The edit: where it enters the media (the first sample's presentation time) and, in media units, its length.
        var start = 0.0
        var end = Double.infinity
        if let list = box.child("edts", of: track).flatMap({ box.child("elst", of: $0) }) {
            guard let edit = box.onlyEdit(list), edit.mediaTime == firstOffset else { return nil }
            start = Double(edit.mediaTime)
            end = start + Double(edit.duration) * Double(timescale) / Double(movieTimescale)
        }
        var decode = RunCursor(runs: decodeDeltas)
        var times: [Double] = []
        times.reserveCapacity(keys.count)
        for key in keys {
            guard let dts = decode.sum(before: key) else { return nil }
            let shown = dts + Double(offsets.isEmpty ? 0 : composition.value(at: key) ?? 0)
            guard shown < end else { continue }  // past the edit: ffmpeg drops it
            times.append((shown - start) / Double(timescale))
        }
        guard !times.isEmpty else { return nil }
        self.times = times
    }

    /// The first video track, if every track before it is a sound track (ffmpeg's `v:0` is then this one).
    private static func videoTrack(_ boxes: [(type: String, body: Range<Int>)], _ box: BoxReader) -> Range<Int>? {
        for track in boxes where track.type == "trak" {
            switch box.handler(track.body) {
            case "vide": return track.body
            case "soun": continue
            default: return nil
            }
        }
        return nil
    }

    /// The latest key frame at or before `seconds`; nil when there is none.
    func latest(atOrBefore seconds: Double) -> Double? {
        times.filter { $0 <= seconds }.max()
    }
}

/// Walks runs of (count, value) as a sample index grows: the value of a sample, or the sum of the values before it
/// (in `Double`, exact to 2^53, so that no table can overflow it).
private struct RunCursor {
    let runs: [(count: Int, value: Int64)]
    var run = 0
    var firstSample = 0  // the first sample of `run`
    var sumBefore = 0.0  // the values' sum over the samples before `firstSample`

    init(runs: [(count: Int, value: Int64)]) {
        self.runs = runs
    }

    /// Moves to the run holding `sample` (samples only grow, or it starts over); false past the last run.
    mutating func seek(_ sample: Int) -> Bool {
        if sample < firstSample { (run, firstSample, sumBefore) = (0, 0, 0) }
        while run < runs.count, sample >= firstSample + runs[run].count {
            sumBefore += Double(runs[run].count) * Double(runs[run].value)
            firstSample += runs[run].count
            run += 1
        }
        return run < runs.count
    }

    mutating func value(at sample: Int) -> Int64? {
        seek(sample) ? runs[run].value : nil
    }

    mutating func sum(before sample: Int) -> Double? {
        seek(sample) ? sumBefore + Double(sample - firstSample) * Double(runs[run].value) : nil
    }
}

/// Reads ISO base media boxes from a byte array: big-endian fields, children of a box's body. Every read is checked
/// against the array's end and the box's own; a malformed index gives nil, never a trap.
private struct BoxReader {
    let bytes: [UInt8]

    func integer(_ at: Int, _ width: Int) -> UInt64? {
        guard at >= 0, width <= bytes.count, at <= bytes.count - width else { return nil }
        return bytes[at..<at + width].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A field at `at` of a box body `range`, only if the body holds it whole.
    func field(_ range: Range<Int>, _ at: Int, _ width: Int) -> UInt64? {
        guard at >= 0, at + width <= range.count else { return nil }
        return integer(range.lowerBound + at, width)
    }

    /// The body of the box that starts at `offset`.
    func body(ofBoxAt offset: Int) -> Range<Int>? {
        guard offset >= 0, offset <= bytes.count, var size = integer(offset, 4).map(Int.init) else { return nil }
        var header = 8
        if size == 1 {
            guard let large = integer(offset + 8, 8) else { return nil }
            (size, header) = (Int(clamping: large), 16)
        } else if size == 0 {
            size = bytes.count - offset
        }
        guard size >= header, size <= bytes.count - offset else { return nil }
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

    /// A track's handler type (`vide`, `soun`, …).
    func handler(_ track: Range<Int>) -> String? {
        guard let handler = child("mdia", of: track).flatMap({ child("hdlr", of: $0) }), handler.count >= 12 else {
            return nil
        }
        return String(decoding: bytes[handler.lowerBound + 8..<handler.lowerBound + 12], as: UTF8.self)
    }

    /// A movie or media header's timescale (both versions).
    func timescale(_ header: Range<Int>) -> UInt64? {
        guard let version = field(header, 0, 1) else { return nil }
        return field(header, version == 1 ? 20 : 12, 4)
    }

    /// A sample table as ffmpeg reads it plainly: one sample description, no key frames declared elsewhere.
    func simple(_ tables: [(type: String, body: Range<Int>)]) -> Bool {
        guard let description = tables.first(where: { $0.type == "stsd" }), field(description.body, 4, 4) == 1,
            !tables.contains(where: { $0.type == "stps" })
        else { return false }
        return !tables.contains { $0.type == "sbgp" && field($0.body, 4, 4) == 0x7261_7020 }  // "rap "
    }

    /// A table of (count, value) runs (`stts`, `ctts`); values are signed, as ffmpeg reads both `ctts` versions, and
    /// counts below 2^31, as ffmpeg keeps them.
    func runs(_ table: Range<Int>?) -> [(count: Int, value: Int64)]? {
        guard let table, let count = field(table, 4, 4).map(Int.init), count <= (table.count - 8) / 8 else {
            return nil
        }
        var runs: [(count: Int, value: Int64)] = []
        runs.reserveCapacity(count)
        for entry in 0..<count {
            guard let samples = field(table, 8 + entry * 8, 4), samples < 1 << 31,
                let value = field(table, 12 + entry * 8, 4)
            else { return nil }
            runs.append((Int(samples), Int64(Int32(bitPattern: UInt32(value)))))
        }
        return runs
    }

    /// The sample count of a sample-size table (`stsz`).
    func sampleCount(_ table: Range<Int>?) -> Int? {
        table.flatMap { field($0, 8, 4) }.map(Int.init)
    }

    /// A table of 32-bit numbers (`stss`).
    func numbers(_ table: Range<Int>) -> [Int]? {
        guard let count = field(table, 4, 4).map(Int.init), count <= (table.count - 8) / 4 else { return nil }
        return (0..<count).map { Int(field(table, 8 + $0 * 4, 4) ?? 0) }
    }

    /// An edit list's one plain edit (rate 1, not empty): its length (movie units) and where it enters the media.
    func onlyEdit(_ list: Range<Int>) -> (duration: UInt64, mediaTime: Int64)? {
        guard let version = field(list, 0, 1), field(list, 4, 4) == 1 else { return nil }
        let wide = version == 1
        let width = wide ? 8 : 4
        guard let duration = field(list, 8, width), let raw = field(list, 8 + width, width),
            field(list, 8 + 2 * width, 4) == 0x0001_0000
        else { return nil }
        let mediaTime = wide ? Int64(bitPattern: raw) : Int64(Int32(bitPattern: UInt32(raw)))
        return mediaTime >= 0 ? (duration, mediaTime) : nil
    }
}
