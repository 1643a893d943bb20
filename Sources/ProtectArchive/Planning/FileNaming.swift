/// The original downloader's file and folder names, byte for byte.
public enum FileNaming {
    /// The camera part of a name: letters, digits and spaces of the name (as Python's `isalpha`/`isdigit`
    /// judge them), trailing spaces removed, spaces as `_`, then `_` and the id's last four characters.
    public static func cameraPart(name: String, id: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in name.unicodeScalars where isPythonAlpha(scalar) || isPythonDigit(scalar) || scalar == " " {
            kept.append(scalar)
        }
        var text = String(kept)
        while text.unicodeScalars.last == " " { text.unicodeScalars.removeLast() }
        return text.replacingOccurrences(of: " ", with: "_") + "_" + String(id.suffix(4))
    }

    /// `<camera part>_<start>_<end>.mp4`, times as `%Y-%m-%d--%H-%M-%S%z` in `zone`.
    public static func fileName(cameraName: String, cameraID: String, segment: Segment, zone: DisplayZone) -> String {
        cameraPart(name: cameraName, id: cameraID) + "_" + TimeFormatting.fileTime(segment.start, in: zone) + "_"
            + TimeFormatting.fileTime(segment.displayEnd, in: zone) + ".mp4"
    }

    /// The name of what a damaged recording's export held: the hour's name with `.short` before `.mp4`.
    public static func shortPath(_ path: String) -> String {
        (path.hasSuffix(".mp4") ? String(path.dropLast(4)) : path) + ".short.mp4"
    }

    /// The path under the destination: `YYYY/MM/DD/<camera part>/<file>` with subfolders, else the file alone.
    public static func relativePath(
        cameraName: String, cameraID: String, segment: Segment, zone: DisplayZone, useSubfolders: Bool
    ) -> String {
        let file = fileName(cameraName: cameraName, cameraID: cameraID, segment: segment, zone: zone)
        guard useSubfolders else { return file }
        let f = TimeFormatting.fields(segment.start, in: zone)
        return "\(TimeFormatting.pad(f.year, 4))/\(TimeFormatting.pad(f.month))/\(TimeFormatting.pad(f.day))/"
            + cameraPart(name: cameraName, id: cameraID) + "/" + file
    }

    /// Python's `str.isalpha` for one code point: general categories Lu, Ll, Lt, Lm, Lo.
    static func isPythonAlpha(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// Python's `str.isdigit` for one code point: numeric type Decimal or Digit.
    static func isPythonDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.numericType {
        case .decimal, .digit: true
        default: false
        }
    }
}
