import Foundation

/// The zone in which times are shown in file names: the user's fixed offset, or a named zone.
public enum DisplayZone: Sendable, Equatable {
    /// A fixed UTC offset in seconds, as written in `--start` (e.g. +0200).
    case fixed(seconds: Int)
    /// A named time zone (the console's `nvr.timezone`), whose offset follows daylight saving.
    case named(String)

    /// UTC offset in seconds at `milliseconds` since 1970.
    public func offsetSeconds(at milliseconds: Int64) -> Int {
        switch self {
        case .fixed(let seconds):
            return seconds
        case .named(let identifier):
            let zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)!
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        }
    }
}

/// A point in time the user wrote, and the zone it was written in (nil: none given).
public struct UserTime: Sendable, Equatable {
    /// Milliseconds since 1970.
    public var milliseconds: Int64
    /// The offset written with the time, in seconds; nil when the time had none.
    public var writtenOffset: Int?
    /// Set when a time without an offset does not exist in its zone (a daylight-saving gap) or exists twice.
    public var ambiguity: LocalTimeAmbiguity?

    /// Parses `YYYY-MM-DD HH:MM:SS+0000` (the original downloader's format), ISO 8601
    /// (`2019-10-12T00:00:00+02:00`, `...Z`), and either without an offset, which then means `defaultZone`.
    ///
    /// Also times relative to `now` (default: the system clock): `now`, `-24h` or `24h ago` (any duration of
    /// `DurationText`), `today` and `yesterday` (midnight in `defaultZone`), optionally with a time of day
    /// (`yesterday 18:00`).
    public static func parse(_ text: String, defaultZone: DisplayZone, now: Int64? = nil) throws -> UserTime {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let relative = try relative(trimmed, zone: defaultZone, now: now) { return relative }
        let pattern =
            #"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed))
        else {
            throw TimeError.unparseable(text)
        }
        func group(_ index: Int) -> String? {
            guard let range = Range(match.range(at: index), in: trimmed) else { return nil }
            return String(trimmed[range])
        }
        let numbers = (1...6).map { group($0).flatMap { Int($0) } ?? 0 }
        let (year, month, day, hour, minute, second) = (
            numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]
        )
        var fraction = 0
        if let digits = group(7) {
            fraction = (Int(digits) ?? 0) * [100, 10, 1][digits.count - 1]
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else {
            throw TimeError.unparseable(text)
        }
        var offset: Int?
        if let zone = group(8) {
            if zone == "Z" {
                offset = 0
            } else {
                let digits = zone.dropFirst().filter(\.isNumber)
                let hours = Int(digits.prefix(2)) ?? 0
                let minutes = Int(digits.suffix(2)) ?? 0
                guard hours <= 14, minutes < 60 else { throw TimeError.unparseable(text) }
                offset = (zone.hasPrefix("-") ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let utcDate = calendar.date(from: components),
            calendar.component(.day, from: utcDate) == day
        else {
            throw TimeError.unparseable(text)
        }
        let wallClock = Int64(utcDate.timeIntervalSince1970) * 1000 + Int64(fraction)
        if let offset {
            return UserTime(milliseconds: wallClock - Int64(offset) * 1000, writtenOffset: offset)
        }
        // No offset: the wall-clock time in the default zone. Each offset in force around it gives a candidate;
        // a candidate is real when the zone has that offset at that instant.
        let offsets = Set([-43_200_000, 0, 43_200_000].map { defaultZone.offsetSeconds(at: wallClock + Int64($0)) })
        let real = offsets.map { wallClock - Int64($0) * 1000 }
            .filter { defaultZone.offsetSeconds(at: $0) * 1000 == Int(wallClock - $0) }.sorted()
        if real.count > 1 {
            // Exists twice (clocks went back): the first occurrence.
            return UserTime(
                milliseconds: real[0], writtenOffset: nil, ambiguity: .repeated(text: text, chosen: real[0]))
        }
        if let only = real.first { return UserTime(milliseconds: only, writtenOffset: nil) }
        // Does not exist (clocks went forward): read with the offset before the gap, which lands after it.
        let before = defaultZone.offsetSeconds(at: wallClock - 43_200_000)
        let moment = wallClock - Int64(before) * 1000
        return UserTime(milliseconds: moment, writtenOffset: nil, ambiguity: .skipped(text: text, chosen: moment))
    }
}

extension UserTime {
    static func relative(_ text: String, zone: DisplayZone, now: Int64?) throws -> UserTime? {
        let lower = text.lowercased()
        func moment() -> Int64 { now ?? WallClock.system.now() }
        if lower == "now" { return UserTime(milliseconds: moment(), writtenOffset: nil) }
        var ago: String?
        if lower.hasPrefix("-") { ago = String(lower.dropFirst()) }
        if lower.hasSuffix(" ago") { ago = String(lower.dropLast(4)).trimmingCharacters(in: .whitespaces) }
        if let ago {
            guard let seconds = DurationText.seconds(ago) else { throw TimeError.unparseable(text) }
            return UserTime(milliseconds: moment() - Int64(seconds * 1000), writtenOffset: nil)
        }
        let words = lower.split(separator: " ", maxSplits: 1).map(String.init)
        guard let word = words.first, word == "today" || word == "yesterday" else { return nil }
        var clock = "00:00:00"
        if words.count == 2 {
            let parts = words[1].split(separator: ":")
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }) else {
                throw TimeError.unparseable(text)
            }
            clock = words[1] + (parts.count == 2 ? ":00" : "")
        }
        let fields = TimeFormatting.fields(moment(), in: zone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard
            let day = calendar.date(from: DateComponents(year: fields.year, month: fields.month, day: fields.day)),
            let chosen = calendar.date(byAdding: .day, value: word == "yesterday" ? -1 : 0, to: day)
        else { throw TimeError.unparseable(text) }
        let date = calendar.dateComponents([.year, .month, .day], from: chosen)
        let written = String(format: "%04d-%02d-%02d ", date.year ?? 0, date.month ?? 0, date.day ?? 0) + clock
        guard var parsed = try? UserTime.parse(written, defaultZone: zone) else { throw TimeError.unparseable(text) }
        if case .skipped = parsed.ambiguity { parsed.ambiguity = .skipped(text: text, chosen: parsed.milliseconds) }
        if case .repeated = parsed.ambiguity { parsed.ambiguity = .repeated(text: text, chosen: parsed.milliseconds) }
        return parsed
    }
}

/// A local time that a daylight-saving change makes impossible or double, and the instant taken for it.
public enum LocalTimeAmbiguity: Sendable, Equatable {
    /// The clocks skipped this time; `chosen` is the instant used.
    case skipped(text: String, chosen: Int64)
    /// The clocks showed this time twice; `chosen` is the first occurrence.
    case repeated(text: String, chosen: Int64)

    /// A warning sentence in `zone`.
    public func sentence(in zone: DisplayZone, name: String) -> String {
        switch self {
        case .skipped(let text, let chosen):
            return "\"\(text)\" does not exist in \(name) (the clocks skip it for daylight saving); it is read as "
                + "\(TimeFormatting.original(chosen, in: zone))."
        case .repeated(let text, let chosen):
            return "\"\(text)\" happens twice in \(name) (the clocks go back for daylight saving); the first is "
                + "taken, \(TimeFormatting.original(chosen, in: zone)); write an offset to choose the other."
        }
    }
}

/// Problems with times the user gave.
public enum TimeError: Error, LocalizedError, Equatable {
    /// The text is not a time in an accepted format.
    case unparseable(String)
    /// The end is not after the start.
    case endNotAfterStart

    public var errorDescription: String? {
        switch self {
        case .unparseable(let text):
            "The time \"\(text)\" is not understood; write it as \"YYYY-MM-DD HH:MM:SS+0000\", ISO 8601 "
                + "(2019-10-12T00:00:00+02:00), or relative: now, -24h, 90m ago, today, yesterday 18:00."
        case .endNotAfterStart:
            "The end time must be after the start time."
        }
    }
}

/// Formats instants as the original downloader did: `%Y-%m-%d--%H-%M-%S%z`.
public enum TimeFormatting {
    /// Calendar fields of `milliseconds` in `zone`.
    public static func fields(_ milliseconds: Int64, in zone: DisplayZone) -> LocalFields {
        let offset = zone.offsetSeconds(at: milliseconds)
        var seconds = milliseconds / 1000
        if milliseconds < 0 && milliseconds % 1000 != 0 { seconds -= 1 }
        let local = seconds + Int64(offset)
        var days = local / 86_400
        var secondOfDay = local % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilDate(fromDays: days)
        return LocalFields(
            year: year, month: month, day: day, hour: Int(secondOfDay / 3600), minute: Int(secondOfDay % 3600 / 60),
            second: Int(secondOfDay % 60), offsetSeconds: offset)
    }

    /// The original command line's time format: `2020-04-05 00:59:59-0700`.
    public static func original(_ milliseconds: Int64, in zone: DisplayZone) -> String {
        let f = fields(milliseconds, in: zone)
        return "\(pad(f.year, 4))-\(pad(f.month))-\(pad(f.day)) \(pad(f.hour)):\(pad(f.minute)):\(pad(f.second))"
            + f.offsetText
    }

    /// The original file-name time: `2020-04-05--00-59-59-0700`.
    public static func fileTime(_ milliseconds: Int64, in zone: DisplayZone) -> String {
        let f = fields(milliseconds, in: zone)
        return "\(pad(f.year, 4))-\(pad(f.month))-\(pad(f.day))--\(pad(f.hour))-\(pad(f.minute))-\(pad(f.second))"
            + f.offsetText
    }

    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date.
    static func civilDate(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}

/// A local date and time with its UTC offset.
public struct LocalFields: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var offsetSeconds: Int

    /// `+0200` style, as strftime's `%z`.
    public var offsetText: String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        return sign + TimeFormatting.pad(magnitude / 3600) + TimeFormatting.pad(magnitude % 3600 / 60)
    }
}

extension TimeFormatting {
    /// ISO 8601 in UTC with milliseconds, e.g. `2024-05-01T12:00:00.000Z`.
    public static func iso(_ milliseconds: Int64) -> String {
        let f = fields(milliseconds, in: .fixed(seconds: 0))
        return "\(pad(f.year, 4))-\(pad(f.month))-\(pad(f.day))T\(pad(f.hour)):\(pad(f.minute)):\(pad(f.second))."
            + pad(Int((milliseconds % 1000 + 1000) % 1000), 3) + "Z"
    }
}

/// Durations as people write them: `90s`, `15m`, `12h`, `30d`, `2w`, or plain seconds.
public enum DurationText {
    /// Seconds, or nil when the text is not a positive duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var number = Substring(trimmed)
        var factor = 1.0
        if let last = trimmed.last, let unit = units[last] {
            number = trimmed.dropLast()
            factor = unit
        }
        guard let value = Double(number), value > 0, value.isFinite else { return nil }
        return value * factor
    }
}
