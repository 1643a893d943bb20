import Foundation
import NIOCore

/// The MP4 boxes around the media: `ftyp`, `free`, and the `moov` that indexes every sample.
extension ExportMovie {
    /// The unit matrix of `mvhd` and `tkhd`.
    static let identityMatrix: [UInt8] = [
        0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000,
    ].flatMap { (value: UInt32) in value.bigEndianBytes }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        UInt32(8 + payload.count).bigEndianBytes + Array(type.utf8) + payload
    }

    static func fullBox(_ type: String, version: UInt8, flags: UInt32, _ payload: [UInt8]) -> [UInt8] {
        box(type, [version, UInt8((flags >> 16) & 0xFF), UInt8((flags >> 8) & 0xFF), UInt8(flags & 0xFF)] + payload)
    }

    static func movieBox(
        sizes: [UInt32],
        mediaOffset: Int64,
        fps: Int,
        keyFrameInterval: Int,
        durationMilliseconds: Int64,
        video: SyntheticH264,
        creationTime: Int64
    ) -> [UInt8] {
        let macEpochOffset: Int64 = 2_082_844_800
        let created = UInt64(max(0, creationTime / 1000 + macEpochOffset))
        let sampleDelta = timescale / fps
        let mediaDuration = UInt64(sizes.count * sampleDelta)
        let movieDuration = UInt64(max(durationMilliseconds, Int64(mediaDuration) * 1000 / Int64(timescale)))

        let mvhd = fullBox(
            "mvhd", version: 1, flags: 0,
            created.bigEndianBytes + created.bigEndianBytes + UInt32(1000).bigEndianBytes + movieDuration.bigEndianBytes
                + UInt32(0x0001_0000).bigEndianBytes + UInt16(0x0100).bigEndianBytes + [UInt8](repeating: 0, count: 10)
                + identityMatrix + [UInt8](repeating: 0, count: 24) + UInt32(2).bigEndianBytes
        )
        let tkhd = fullBox(
            "tkhd", version: 1, flags: 3,
            created.bigEndianBytes + created.bigEndianBytes + UInt32(1).bigEndianBytes + UInt32(0).bigEndianBytes
                + movieDuration.bigEndianBytes + [UInt8](repeating: 0, count: 8) + UInt16(0).bigEndianBytes
                + UInt16(0).bigEndianBytes + UInt16(0).bigEndianBytes + UInt16(0).bigEndianBytes + identityMatrix
                + UInt32(video.width << 16).bigEndianBytes + UInt32(video.height << 16).bigEndianBytes
        )
        let mdhd = fullBox(
            "mdhd", version: 1, flags: 0,
            created.bigEndianBytes + created.bigEndianBytes + UInt32(timescale).bigEndianBytes
                + mediaDuration.bigEndianBytes + UInt16(0x55C4).bigEndianBytes + UInt16(0).bigEndianBytes
        )
        let hdlr = fullBox(
            "hdlr", version: 0, flags: 0,
            UInt32(0).bigEndianBytes + Array("vide".utf8) + [UInt8](repeating: 0, count: 12)
                + Array("VideoHandler".utf8) + [0]
        )
        let vmhd = fullBox("vmhd", version: 0, flags: 1, [UInt8](repeating: 0, count: 8))
        let dref = fullBox(
            "dref", version: 0, flags: 0, UInt32(1).bigEndianBytes + fullBox("url ", version: 0, flags: 1, []))
        let dinf = box("dinf", dref)
        var compressorName = [UInt8](repeating: 0, count: 32)
        let name = Array("protect-sim".utf8)
        compressorName[0] = UInt8(name.count)
        compressorName.replaceSubrange(1...name.count, with: name)
        let avc1 = box(
            "avc1",
            [UInt8](repeating: 0, count: 6) + UInt16(1).bigEndianBytes + [UInt8](repeating: 0, count: 16)
                + UInt16(video.width).bigEndianBytes + UInt16(video.height).bigEndianBytes
                + UInt32(0x0048_0000).bigEndianBytes + UInt32(0x0048_0000).bigEndianBytes + UInt32(0).bigEndianBytes
                + UInt16(1).bigEndianBytes + compressorName + UInt16(0x0018).bigEndianBytes
                + UInt16(0xFFFF).bigEndianBytes + box("avcC", video.decoderConfiguration)
        )
        let stsd = fullBox("stsd", version: 0, flags: 0, UInt32(1).bigEndianBytes + avc1)
        let stts = fullBox(
            "stts", version: 0, flags: 0,
            UInt32(1).bigEndianBytes + UInt32(sizes.count).bigEndianBytes + UInt32(sampleDelta).bigEndianBytes
        )
        let keyFrames = stride(from: 0, to: sizes.count, by: keyFrameInterval).map { UInt32($0 + 1) }
        let stss = fullBox(
            "stss", version: 0, flags: 0,
            UInt32(keyFrames.count).bigEndianBytes + keyFrames.flatMap { $0.bigEndianBytes }
        )
        let stsc = fullBox(
            "stsc", version: 0, flags: 0,
            UInt32(1).bigEndianBytes + UInt32(1).bigEndianBytes + UInt32(sizes.count).bigEndianBytes
                + UInt32(1).bigEndianBytes
        )
        var sizeTable: [UInt8] = []
        sizeTable.reserveCapacity(sizes.count * 4 + 8)
        sizeTable += UInt32(0).bigEndianBytes + UInt32(sizes.count).bigEndianBytes
        for size in sizes { sizeTable += size.bigEndianBytes }
        let stsz = fullBox("stsz", version: 0, flags: 0, sizeTable)
        let stco = fullBox("stco", version: 0, flags: 0, UInt32(1).bigEndianBytes + UInt32(mediaOffset).bigEndianBytes)
        let stbl = box("stbl", stsd + stts + stss + stsc + stsz + stco)
        let minf = box("minf", vmhd + dinf + stbl)
        let mdia = box("mdia", mdhd + hdlr + minf)
        let trak = box("trak", tkhd + mdia)
        return box("moov", mvhd + trak)
    }
}
