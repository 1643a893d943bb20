/// Checks an MP4 as its bytes stream past, without keeping them: `ftyp` first, every top-level box whole, `mdat`
/// and `moov` present, and the movie's duration from `moov/mvhd` (the first 64 KiB of `moov` are kept for that).
/// The same verdicts as `MP4Check` on a file, for uploads that never touch the local disk.
struct MP4StreamCheck {
    private var offset: Int64 = 0
    /// Where the current top-level box ends; `Int64.max` for a box that runs to the end of the file.
    private var boxEnd: Int64 = 0
    private var header: [UInt8] = []
    private var headerStart: Int64 = 0
    private var types: [String] = []
    private var sawMoov = false
    private var moovBody: [UInt8] = []
    private var moovWanted = 0
    private var problem: MP4Check.Problem?
    private static let moovKept = 65536

    /// Feeds the next bytes of the stream.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard problem == nil else { return }
        var index = 0
        let count = bytes.count
        while index < count {
            let position = offset + Int64(index)
            if position < boxEnd {
                let take = Int(min(boxEnd - position, Int64(count - index)))
                if moovWanted > 0 {
                    let keep = min(moovWanted, take)
                    moovBody.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + keep)]))
                    moovWanted -= keep
                }
                index += take
                continue
            }
            if header.isEmpty { headerStart = position }
            header.append(bytes[index])
            index += 1
            if header.count == 8 || header.count == 16 { startBox() }
            if problem != nil { return }
        }
        offset += Int64(count)
    }

    private mutating func startBox() {
        func number(_ range: Range<Int>) -> UInt64 { header[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        var size = Int64(number(0..<4))
        let type = String(decoding: header[4..<8], as: UTF8.self)
        if types.isEmpty && type != "ftyp" {
            let printable = String(decoding: header.prefix(8).map { (32...126).contains($0) ? $0 : 46 }, as: UTF8.self)
            problem = .notMP4(printable)
            return
        }
        if size == 1 {
            if header.count < 16 { return }
            size = Int64(bitPattern: number(8..<16))
        }
        let headerLength = header.count
        header = []
        types.append(type)
        if size == 0 {
            boxEnd = Int64.max
        } else {
            guard size >= Int64(headerLength) else {
                problem = .truncated(type)
                return
            }
            boxEnd = headerStart + size
        }
        if type == "moov" {
            sawMoov = true
            moovBody = []
            moovWanted = Int(min(Int64(Self.moovKept), (size == 0 ? Int64.max : size) - Int64(headerLength)))
        }
    }

    /// The verdict once the stream has ended: the movie's duration in seconds (nil when `mvhd` gives none).
    func finish() throws -> Double? {
        if let problem { throw problem }
        guard offset > 0 else { throw MP4Check.Problem.empty }
        if !header.isEmpty { throw MP4Check.Problem.truncated(types.last ?? "first") }
        if boxEnd != Int64.max && boxEnd > offset { throw MP4Check.Problem.truncated(types.last ?? "first") }
        guard sawMoov else { throw MP4Check.Problem.missingIndex }
        return Self.duration(moovBody: moovBody)
    }

    /// The duration in the `mvhd` child of a `moov` body (both header versions).
    static func duration(moovBody bytes: [UInt8]) -> Double? {
        func number(_ range: Range<Int>) -> UInt64 { bytes[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        var offset = 0
        while offset + 8 <= bytes.count {
            let size = Int(number(offset..<(offset + 4)))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard size >= 8 else { return nil }
            if type == "mvhd" {
                let body = offset + 8
                guard body + 20 <= bytes.count else { return nil }
                let version = bytes[body]
                let (timescale, duration) =
                    version == 1 && body + 32 <= bytes.count
                    ? (number((body + 20)..<(body + 24)), number((body + 24)..<(body + 32)))
                    : (number((body + 12)..<(body + 16)), number((body + 16)..<(body + 20)))
                guard timescale > 0 else { return nil }
                return Double(duration) / Double(timescale)
            }
            offset += size
        }
        return nil
    }
}
