import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The MP4 file of one export, laid out as a console lays it out: `ftyp`, `free`, `mdat`, then `moov` at the end.
///
/// Its size follows bitrate × duration, its duration covers the exported range, and every byte is a function of
/// the identity string (camera, channel, range), so the same request always yields the same file.
public struct ExportMovie: Sendable {
    /// Frames between two key frames, as the cameras' `idrInterval` of five seconds.
    let keyFrameInterval: Int
    let frameCount: Int
    let framesPerSecond: Int
    let durationMilliseconds: Int64
    let video: SyntheticH264
    let identityTag: [UInt8]
    /// Every sample's size in bytes.
    let sampleSizes: [UInt32]
    /// The burned-in name and time, with the sizes of the slices that draw them.
    let overlay: OverlaySlices?
    private let targetPayloadBytes: Int64
    /// `ftyp` + `free` + the `mdat` header.
    let header: [UInt8]
    let moov: [UInt8]
    /// Byte count of the `mdat` payload.
    let mediaBytes: Int64

    static let timescale = 90_000
    static let seiUUID: [UInt8] = [
        0x70, 0x72, 0x6F, 0x74, 0x65, 0x63, 0x74, 0x2D, 0x73, 0x69, 0x6D, 0x2D, 0x6D, 0x70, 0x34, 0x21,
    ]

    /// Lays out the movie of `durationMilliseconds` of video at `bitsPerSecond`.
    public init(
        identity: String,
        width: Int,
        height: Int,
        framesPerSecond requestedFPS: Int,
        bitsPerSecond: Int,
        durationMilliseconds: Int64,
        creationTime: Int64,
        overlay: VideoOverlay? = nil
    ) {
        let fps = max(1, min(requestedFPS, 120))
        self.framesPerSecond = fps
        self.durationMilliseconds = max(1, durationMilliseconds)
        self.keyFrameInterval = fps * 5
        self.frameCount = max(1, Int((self.durationMilliseconds * Int64(fps) + 999) / 1000))
        self.video = SyntheticH264(width: width, height: height)
        self.identityTag = Array("protect-sim \(identity)".utf8.prefix(200))
        self.targetPayloadBytes = Int64(bitsPerSecond) / 8 * self.durationMilliseconds / 1000
        let video = self.video
        self.overlay = overlay.map { OverlaySlices(overlay: $0, video: video, framesPerSecond: fps) }

        let inputs = LayoutInputs(
            frames: frameCount, payload: targetPayloadBytes, video: video, keyInterval: keyFrameInterval,
            tagLength: identityTag.count, overlay: self.overlay)
        let sizes = Self.sampleSizes(inputs)
        self.sampleSizes = sizes
        self.mediaBytes = sizes.reduce(Int64(0)) { $0 + Int64($1) }

        let ftyp = Self.box("ftyp", Array("isom".utf8) + UInt32(512).bigEndianBytes + Array("isomiso2avc1mp41".utf8))
        let free = Self.box("free", Array("protect-sim".utf8))
        var mdatHeader: [UInt8]
        if mediaBytes + 8 > Int64(UInt32.max) {
            mdatHeader = UInt32(1).bigEndianBytes + Array("mdat".utf8) + UInt64(mediaBytes + 16).bigEndianBytes
        } else {
            mdatHeader = UInt32(mediaBytes + 8).bigEndianBytes + Array("mdat".utf8)
        }
        self.header = ftyp + free + mdatHeader
        self.moov = Self.movieBox(
            sizes: sizes,
            mediaOffset: Int64(header.count),
            fps: fps,
            keyFrameInterval: keyFrameInterval,
            durationMilliseconds: self.durationMilliseconds,
            video: video,
            creationTime: creationTime
        )
    }

    /// Size of the whole file.
    public var totalBytes: Int64 { Int64(header.count) + mediaBytes + Int64(moov.count) }
    /// Offset of the `moov` box: a body that ends before it is truncated.
    public var moovOffset: Int64 { Int64(header.count) + mediaBytes }

    /// What the size of each sample depends on.
    struct LayoutInputs {
        var frames: Int
        var payload: Int64
        var video: SyntheticH264
        var keyInterval: Int
        var tagLength: Int
        var overlay: OverlaySlices?
    }

    /// Size of sample `index` without filler: slice and SEI NAL units, each behind a 4-byte length.
    static func baseSize(index: Int, in inputs: LayoutInputs) -> (slice: Int, base: Int, redraw: OverlayLayout.Region?)
    {
        let isKey = index % inputs.keyInterval == 0
        let frameNumber = index % inputs.keyInterval % SyntheticH264.maxFrameNumber
        let slice: Int
        var redraw: OverlayLayout.Region?
        if let overlay = inputs.overlay {
            redraw = isKey ? .all : overlay.redraw(frame: index)
            switch redraw {
            case .all: slice = overlay.key.bytes.count
            case .clock: slice = overlay.clock[frameNumber].bytes.count
            case .timeLine: slice = overlay.timeLine[frameNumber].bytes.count
            case nil: slice = inputs.video.predictedSlices[frameNumber].count
            }
        } else {
            slice = isKey ? inputs.video.idrSlice.count : inputs.video.predictedSlices[frameNumber].count
        }
        return (slice, 4 + slice + 4 + seiLength(tagLength: inputs.tagLength), redraw)
    }

    /// Every sample's size: the frame's share of bitrate × duration, reached with a filler NAL unit. A frame larger
    /// than its share (a key frame with burned-in text) is paid back by the fillers of the frames after it, so that
    /// the file keeps to the bitrate.
    static func sampleSizes(_ inputs: LayoutInputs) -> [UInt32] {
        var sizes: [UInt32] = []
        sizes.reserveCapacity(inputs.frames)
        var carried: Int64 = 0
        for index in 0..<inputs.frames {
            let share =
                (Int64(index + 1) * inputs.payload) / Int64(inputs.frames) - (Int64(index) * inputs.payload)
                / Int64(inputs.frames)
            let base = Int64(baseSize(index: index, in: inputs).base)
            let room = share - carried
            if room - base - 4 >= 2 {
                sizes.append(UInt32(room))
                carried = 0
            } else {
                sizes.append(UInt32(base))
                carried += base - share
            }
        }
        return sizes
    }

    static func seiLength(tagLength: Int) -> Int {
        // NAL header, payload type, payload size, UUID, tag, " frame=NNNNNNNN", trailing bits.
        3 + 16 + tagLength + 15 + 1
    }

    /// Streams the file, from `offset` to `limit`, in chunks of about `chunkSize` bytes.
    public func chunks(upTo limit: Int64? = nil, chunkSize: Int = 256 * 1024) -> Chunks {
        Chunks(movie: self, limit: min(limit ?? totalBytes, totalBytes), chunkSize: chunkSize)
    }

    /// The byte stream of a movie, produced on demand so that memory stays flat whatever the size.
    public struct Chunks: Sendable {
        let movie: ExportMovie
        let limit: Int64
        let chunkSize: Int
        private var produced: Int64 = 0
        private var nextSample = 0
        private var pending: ByteBuffer

        init(movie: ExportMovie, limit: Int64, chunkSize: Int) {
            self.movie = movie
            self.limit = limit
            self.chunkSize = chunkSize
            self.pending = ByteBuffer(bytes: movie.header)
        }

        /// The next chunk, or nil at the end (or at the limit).
        public mutating func next(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
            guard produced < limit else { return nil }
            var chunk = allocator.buffer(capacity: chunkSize + 4096)
            if pending.readableBytes > 0 {
                chunk.writeBuffer(&pending)
            }
            let inputs = LayoutInputs(
                frames: movie.frameCount, payload: movie.targetPayloadBytes, video: movie.video,
                keyInterval: movie.keyFrameInterval, tagLength: movie.identityTag.count, overlay: movie.overlay)
            while chunk.readableBytes < chunkSize && nextSample < movie.frameCount {
                movie.writeSample(nextSample, inputs: inputs, into: &chunk)
                nextSample += 1
                if nextSample == movie.frameCount {
                    chunk.writeBytes(movie.moov)
                }
            }
            let allowed = Int(min(Int64(chunk.readableBytes), limit - produced))
            guard allowed > 0 else { return nil }
            if allowed < chunk.readableBytes {
                chunk.moveWriterIndex(to: chunk.readerIndex + allowed)
            }
            produced += Int64(allowed)
            return chunk
        }
    }

    func writeSample(_ index: Int, inputs: LayoutInputs, into buffer: inout ByteBuffer) {
        // The redrawn region comes with the size: whether a second changed is worked out once per frame.
        let (slice, base, redraw) = Self.baseSize(index: index, in: inputs)
        let size = Int(sampleSizes[index])
        let layout = (slice: slice, filler: size > base ? size - base - 4 : 0)
        let isKey = index % keyFrameInterval == 0
        buffer.writeInteger(UInt32(layout.slice))
        let frameNumber = index % keyFrameInterval % SyntheticH264.maxFrameNumber
        if let overlay {
            switch redraw {
            case .all: buffer.writeBytes(overlay.key.drawing(overlay.timeBitmap(frame: index)))
            case .clock: buffer.writeBytes(overlay.clock[frameNumber].drawing(overlay.timeBitmap(frame: index)))
            case .timeLine:
                buffer.writeBytes(overlay.timeLine[frameNumber].drawing(overlay.timeBitmap(frame: index)))
            case nil: buffer.writeBytes(video.predictedSlices[frameNumber])
            }
        } else if isKey {
            buffer.writeBytes(video.idrSlice)
        } else {
            buffer.writeBytes(video.predictedSlices[frameNumber])
        }
        let seiLength = Self.seiLength(tagLength: identityTag.count)
        buffer.writeInteger(UInt32(seiLength))
        buffer.writeBytes([0x06, 0x05, UInt8(seiLength - 4)])
        buffer.writeBytes(Self.seiUUID)
        buffer.writeBytes(identityTag)
        buffer.writeString(" frame=")
        var digits = String(index % 100_000_000)
        digits = String(repeating: "0", count: 8 - digits.count) + digits
        buffer.writeString(digits)
        buffer.writeInteger(UInt8(0x80))
        if layout.filler > 0 {
            buffer.writeInteger(UInt32(layout.filler))
            buffer.writeInteger(UInt8(0x0C))
            buffer.writeRepeatingByte(0xFF, count: layout.filler - 2)
            buffer.writeInteger(UInt8(0x80))
        }
    }
}
