import Foundation

/// A file path pattern with `{field}` placeholders, rendered under the destination and never outside it.
///
/// Every field value is made file-safe (no path separators, control characters, leading dots or empty names), and a
/// template that is absolute or climbs with `..` is refused before anything is downloaded.
public struct OutputTemplate: Sendable, Hashable {
    /// The template as written.
    public let text: String
    let pieces: [Piece]

    enum Piece: Sendable, Hashable {
        case literal(String)
        case field(String)
    }

    /// The original downloader's names: `<camera>_<id4>_<start>_<end>.mp4`.
    public static let download = "{camera_part}_{start}_{end}{variant}"
    /// The original downloader's `--use-subfolders` layout.
    public static let downloadSubfolders =
        "{start_year}/{start_month}/{start_day}/{camera_part}/{camera_part}_{start}_{end}{variant}"
    /// Event clips: a folder per camera and day, the time and what happened in the name.
    public static let events = "{camera_part}/{start_date}/{start_time}_{event_label}{variant}"
    /// Snapshots: a folder per camera, the moment in the name.
    public static let snapshots = "{camera_part}/{camera_part}_{start}{variant}"

    /// Every field a template may use, with what it holds.
    public static let fields: [(name: String, meaning: String)] = [
        ("camera", "the camera's name, made file-safe"),
        ("camera_safe", "the camera's name, letters, digits and underscores only"),
        ("camera_part", "the original downloader's camera part: safe name, _, last 4 of the id"),
        ("camera_id", "the camera's id"),
        ("camera_id4", "the last 4 characters of the camera's id"),
        ("channel", "0, 1, 2 or package"),
        ("variant", "empty for the default stream, else _channel1, _package, _timelapse60x, ..."),
        ("event_id", "the event's id (several joined with + for merged clips)"),
        ("event_type", "the event's type (several joined with +)"),
        ("smart_types", "the smart detection types joined with +, or none"),
        ("event_label", "event_type, then - and the smart types when there are any"),
        ("score", "the event's highest score"),
        ("start", "start as %Y-%m-%d--%H-%M-%S%z"), ("end", "end as %Y-%m-%d--%H-%M-%S%z"),
        ("start_iso", "start in ISO 8601 with offset"), ("end_iso", "end in ISO 8601 with offset"),
        ("start_date", "YYYY-MM-DD"), ("end_date", "YYYY-MM-DD"),
        ("start_time", "HH-MM-SS"), ("end_time", "HH-MM-SS"),
        ("start_year", ""), ("start_month", ""), ("start_day", ""), ("start_hour", ""), ("start_minute", ""),
        ("start_second", ""), ("start_offset", "+HHMM"),
        ("end_year", ""), ("end_month", ""), ("end_day", ""), ("end_hour", ""), ("end_minute", ""),
        ("end_second", ""), ("end_offset", "+HHMM"),
    ]

    /// Whether names hold the start instant to the second with its offset (`{start}` or `{start_iso}`), so
    /// items of one camera with different starts can never share a name.
    public var holdsStartInstant: Bool {
        pieces.contains { $0 == .field("start") || $0 == .field("start_iso") }
    }

    /// Parses and checks a template.
    public init(_ text: String) throws {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "{" {
                guard let close = text[index...].firstIndex(of: "}") else { throw TemplateError.unclosedBrace(text) }
                let name = String(text[text.index(after: index)..<close])
                guard Self.fields.contains(where: { $0.name == name }) else {
                    throw TemplateError.unknownField(name)
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.field(name))
                index = text.index(after: close)
                continue
            }
            if character == "}" { throw TemplateError.unclosedBrace(text) }
            literal.append(character)
            index = text.index(after: index)
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard pieces.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw TemplateError.noField(text)
        }
        if text.hasPrefix("/") || text.hasPrefix("~") { throw TemplateError.absolute(text) }
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) {
            throw TemplateError.climbs(text)
        }
        self.text = text
        self.pieces = pieces
    }

    /// The relative path for `values`, ending in `.<fileExtension>` (not doubled when the template has it).
    public func render(_ values: NameValues, fileExtension: String) throws -> String {
        var path = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): path += text
            case .field(let name): path += Self.fileSafe(values.value(of: name))
            }
        }
        if !path.lowercased().hasSuffix("." + fileExtension.lowercased()) { path += "." + fileExtension }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty || component == "." || component == ".." { throw TemplateError.climbs(text) }
            if component.utf8.count > 255 { throw TemplateError.tooLong(String(component.prefix(40))) }
        }
        return path
    }

    /// A value as one file-name component: separators and control characters become `_`, a leading dot `_`,
    /// and at most 200 bytes are kept.
    static func fileSafe(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                scalars.append("_")
            default:
                scalars.append(scalar == "/" || scalar == "\\" ? "_" : scalar)
            }
        }
        var text = String(scalars)
        if text.hasPrefix(".") { text = "_" + text.dropFirst() }
        while text.utf8.count > 200 { text.removeLast() }
        return text
    }
}

/// What a file is named after: a camera, a stream, a range and maybe events.
public struct NameValues: Sendable {
    public var cameraName: String
    public var cameraID: String
    public var variant: ExportVariant
    /// First millisecond, and the end shown in names (the original shows one second before the next segment).
    public var start: Int64
    public var end: Int64
    public var zone: DisplayZone
    public var eventIDs: [String] = []
    public var eventTypes: [String] = []
    public var smartTypes: [String] = []
    public var score: Int?

    public init(
        cameraName: String, cameraID: String, variant: ExportVariant, start: Int64, end: Int64, zone: DisplayZone
    ) {
        self.cameraName = cameraName
        self.cameraID = cameraID
        self.variant = variant
        self.start = start
        self.end = end
        self.zone = zone
    }

    func value(of field: String) -> String {
        let pad = TimeFormatting.pad
        func time(_ milliseconds: Int64, _ part: String) -> String {
            let f = TimeFormatting.fields(milliseconds, in: zone)
            switch part {
            case "": return TimeFormatting.fileTime(milliseconds, in: zone)
            case "iso":
                let sign = f.offsetSeconds < 0 ? "-" : "+"
                let offset = abs(f.offsetSeconds)
                return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):"
                    + "\(pad(f.second, 2))\(sign)\(pad(offset / 3600, 2)):\(pad(offset % 3600 / 60, 2))"
            case "date": return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))"
            case "time": return "\(pad(f.hour, 2))-\(pad(f.minute, 2))-\(pad(f.second, 2))"
            case "year": return pad(f.year, 4)
            case "month": return pad(f.month, 2)
            case "day": return pad(f.day, 2)
            case "hour": return pad(f.hour, 2)
            case "minute": return pad(f.minute, 2)
            case "second": return pad(f.second, 2)
            case "offset": return f.offsetText
            default: return ""
            }
        }
        if field.hasPrefix("start") {
            return time(start, String(field.dropFirst(5).drop { $0 == "_" }))
        }
        if field.hasPrefix("end") {
            return time(end, String(field.dropFirst(3).drop { $0 == "_" }))
        }
        let types = eventTypes.isEmpty ? ["recording"] : eventTypes
        switch field {
        case "camera": return cameraName.isEmpty ? "camera" : cameraName
        case "camera_safe":
            let part = FileNaming.cameraPart(name: cameraName, id: cameraID)
            return String(part.dropLast(min(part.count, 5)))
        case "camera_part":
            var part = FileNaming.cameraPart(name: cameraName, id: cameraID)
            let suffix = String(part.suffix(5))
            while part.utf8.count > 190 { part = String(part.dropLast(6)) + suffix }
            return part
        case "camera_id": return cameraID
        case "camera_id4": return String(cameraID.suffix(4))
        case "channel": return variant.channelLabel
        case "variant": return variant.nameSuffix
        case "event_id": return eventIDs.isEmpty ? "none" : eventIDs.joined(separator: "+")
        case "event_type": return types.joined(separator: "+")
        case "smart_types": return smartTypes.isEmpty ? "none" : smartTypes.joined(separator: "+")
        case "event_label":
            return types.joined(separator: "+") + (smartTypes.isEmpty ? "" : "-" + smartTypes.joined(separator: "+"))
        case "score": return score.map(String.init) ?? "0"
        default: return ""
        }
    }
}

/// Why an output template cannot be used.
public enum TemplateError: Error, LocalizedError, Equatable {
    /// A `{` without its `}`, or a stray `}`.
    case unclosedBrace(String)
    /// A field the template language does not have.
    case unknownField(String)
    /// The template has no field at all, so every file would get the same name.
    case noField(String)
    /// The template is an absolute path.
    case absolute(String)
    /// The template has `..`, `.` or empty path components, which could leave the destination.
    case climbs(String)
    /// A rendered file or folder name is longer than file systems allow.
    case tooLong(String)

    public var errorDescription: String? {
        switch self {
        case .unclosedBrace(let text):
            return "The output template \"\(text)\" has a brace without its partner; fields are written {name}."
        case .unknownField(let name):
            return "The output template uses {\(name)}, which is not a field; the fields are "
                + OutputTemplate.fields.map { "{\($0.name)}" }.joined(separator: ", ") + "."
        case .noField(let text):
            return "The output template \"\(text)\" has no field, so every file would get the same name."
        case .absolute(let text):
            return "The output template \"\(text)\" is an absolute path; templates are relative to --dest."
        case .climbs(let text):
            return
                "The output template \"\(text)\" has a \"..\", \".\" or empty folder name; files must stay inside --dest."
        case .tooLong(let start):
            return "A file name made by the output template is longer than 255 bytes (it begins \"\(start)\")."
        }
    }
}
