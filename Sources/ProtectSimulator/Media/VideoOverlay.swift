import Foundation

/// What a camera burns into its picture: its name, and the wall-clock time updated every second, in large blocky
/// capitals at the top left. The text is white on the picture's grey; each character takes a cell of 6 × 8 font
/// pixels, each font pixel `scale` × `scale` picture pixels.
public struct VideoOverlay: Sendable {
    public static let background: UInt8 = 128
    public static let ink: UInt8 = 235
    /// Where the text starts inside its macroblocks (a border of background keeps neighbours' prediction flat).
    public static let margin = 4

    public let cameraName: String
    /// The moment the first frame shows, in milliseconds since 1970.
    public let start: Int64
    /// Recorded seconds per second of video (a timelapse's speed-up).
    public let speed: Int
    /// The console's time zone, in which the time is shown.
    public let timeZone: TimeZone

    public init(cameraName: String, start: Int64, speed: Int = 1, timeZone: TimeZone) {
        self.cameraName = cameraName
        self.start = start
        self.speed = max(1, speed)
        self.timeZone = timeZone
    }

    /// Font pixel size for a picture `width` wide.
    public static func scale(width: Int) -> Int { max(1, width / 640) }

    /// The text of the time line for the second that contains `moment`: `YYYY-MM-DD HH:MM:SS`.
    public func timeText(at moment: Int64) -> String {
        let seconds = moment.floorDivided(by: 1000)
        return Self.text(
            localSeconds: seconds + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))))
    }

    /// `YYYY-MM-DD HH:MM:SS` of a local time in seconds since 1970 (digits written by hand: this runs for every
    /// second of every export).
    static func text(localSeconds local: Int64) -> String {
        let days = local.floorDivided(by: 86_400)
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = civil(fromDays: Int(days))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(19)
        func two(_ value: Int) {
            bytes.append(UInt8(48 + value / 10 % 10))
            bytes.append(UInt8(48 + value % 10))
        }
        two(year / 100)
        two(year % 100)
        bytes.append(45)
        two(month)
        bytes.append(45)
        two(day)
        bytes.append(32)
        two(secondOfDay / 3600)
        bytes.append(58)
        two(secondOfDay / 60 % 60)
        bytes.append(58)
        two(secondOfDay % 60)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The moment frame `index` shows at `framesPerSecond`.
    func moment(frame index: Int, framesPerSecond: Int) -> Int64 {
        start + Int64(index) * 1000 * Int64(speed) / Int64(max(1, framesPerSecond))
    }

    /// The name as drawn: printable, at most `limit` characters.
    func nameText(limit: Int) -> String {
        String(cameraName.trimmingCharacters(in: .whitespaces).map(OverlayFont.drawable).prefix(max(0, limit)))
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Where the overlay's two lines sit in a picture, in macroblocks, and their pictures as luma bitmaps.
struct OverlayLayout: Sendable {
    /// Which macroblocks a slice redraws.
    enum Region: Sendable {
        /// Name and time (key frames).
        case all
        /// The whole time line (when the date changes).
        case timeLine
        /// The time of day only, `HH:MM:SS` (every other second).
        case clock
    }

    let scale: Int
    let nameColumns: Int
    let nameRows: Int
    let timeColumns: Int
    let timeRows: Int
    /// The first macroblock column of `HH:MM:SS` in the time line.
    let clockFirstColumn: Int
    /// Characters of the name that fit.
    let nameLimit: Int

    /// The layout of a picture `width` × `height` whose name line holds `nameLength` characters (nil: as many as fit).
    init(width: Int, height: Int, nameLength: Int? = nil) {
        let scale = VideoOverlay.scale(width: width)
        self.scale = scale
        let columnsInPicture = (width + 15) / 16
        let rowsInPicture = (height + 15) / 16
        let cell = 6 * scale
        let lineHeight = 7 * scale
        let maxCharacters = max(0, (columnsInPicture * 16 - VideoOverlay.margin - 1) / cell)
        nameLimit = min(24, maxCharacters)
        nameColumns = min(
            columnsInPicture, (VideoOverlay.margin + min(nameLength ?? nameLimit, nameLimit) * cell + 16) / 16)
        nameRows = min(rowsInPicture, (VideoOverlay.margin + lineHeight + 16) / 16)
        timeColumns = min(columnsInPicture, (VideoOverlay.margin + min(19, maxCharacters) * cell + 16) / 16)
        timeRows = max(0, min(rowsInPicture - nameRows, (VideoOverlay.margin + lineHeight + 16) / 16))
        clockFirstColumn = min(timeColumns, (VideoOverlay.margin + 11 * cell) / 16)
    }

    /// Whether macroblock (`column`, `row`) is redrawn in `region`.
    func contains(column: Int, row: Int, region: Region) -> Bool {
        if row < nameRows { return region == .all && column < nameColumns }
        guard row < nameRows + timeRows, column < timeColumns else { return false }
        return region != .clock || column >= clockFirstColumn
    }

    /// The luma bitmap of one line of text over `columns` × `rows` macroblocks, with a border of background on the
    /// right and at the bottom so that neighbouring macroblocks still predict a flat grey.
    func bitmap(_ text: [Character], columns: Int, rows: Int) -> LineBitmap {
        let width = columns * 16
        let height = rows * 16
        var pixels = [UInt8](repeating: VideoOverlay.background, count: width * height)
        for (index, character) in text.enumerated() where character != " " {
            let left = VideoOverlay.margin + index * 6 * scale
            guard let glyph = OverlayFont.pixels[character] ?? OverlayFont.pixels["?"] else { continue }
            for fontY in 0..<7 {
                for fontX in 0..<5 where glyph[fontY * 5 + fontX] {
                    for dy in 0..<scale {
                        let y = VideoOverlay.margin + fontY * scale + dy
                        guard y < height - 1 else { continue }
                        for dx in 0..<scale {
                            let x = left + fontX * scale + dx
                            guard x < width - 1 else { continue }
                            pixels[y * width + x] = VideoOverlay.ink
                        }
                    }
                }
            }
        }
        return LineBitmap(width: width, pixels: pixels)
    }
}

/// A line of burned-in text as luma samples, row after row.
struct LineBitmap: Sendable {
    let width: Int
    let pixels: [UInt8]

    /// The 16 × 16 luma samples of macroblock (`column`, `row`) of the bitmap.
    func macroblock(column: Int, row: Int) -> [UInt8] {
        var samples: [UInt8] = []
        samples.reserveCapacity(256)
        for y in 0..<16 {
            let start = (row * 16 + y) * width + column * 16
            samples.append(contentsOf: pixels[start..<start + 16])
        }
        return samples
    }
}

extension BinaryInteger {
    /// Division rounding towards minus infinity.
    func floorDivided(by divisor: Self) -> Self {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
