/// Reads the burned-in text back from a decoded picture (8-bit luma, row after row), glyph by glyph, as a person
/// reading the picture would; tests use it to check that a file shows the camera and the second its name says.
public struct OverlayReader: Sendable {
    public let width: Int
    public let height: Int
    public let luma: [UInt8]

    public init(width: Int, height: Int, luma: [UInt8]) {
        self.width = width
        self.height = height
        self.luma = luma
    }

    var scale: Int { VideoOverlay.scale(width: width) }

    /// The first `count` characters of the camera-name line.
    public func name(count: Int) -> String {
        read(left: VideoOverlay.margin, top: VideoOverlay.margin, count: count)
    }

    /// The time line, `YYYY-MM-DD HH:MM:SS`.
    public func time() -> String {
        let nameRows = (VideoOverlay.margin + 7 * scale + 16) / 16
        return read(left: VideoOverlay.margin, top: nameRows * 16 + VideoOverlay.margin, count: 19)
    }

    /// `count` characters whose glyphs start at (`left`, `top`); an unreadable cell is `?`. A pixel counts as ink
    /// when it is brighter than halfway between the grey and the ink (whatever range the decoder converted to).
    func read(left: Int, top: Int, count: Int) -> String {
        var text = ""
        for index in 0..<count {
            var rows: [String] = []
            for fontY in 0..<7 {
                var row = ""
                for fontX in 0..<5 {
                    let x = left + index * 6 * scale + fontX * scale + scale / 2
                    let y = top + fontY * scale + scale / 2
                    let lit = x < width && y < height && luma[y * width + x] > 180
                    row.append(lit ? "#" : " ")
                }
                rows.append(row)
            }
            text.append(OverlayFont.glyphs.first { $0.value == rows }?.key ?? "?")
        }
        return text
    }
}
