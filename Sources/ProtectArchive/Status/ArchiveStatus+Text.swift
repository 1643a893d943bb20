import Foundation

extension ArchiveStatus.State {
    /// The mark of an hour in the terminal timeline: a coloured block, or a plain character when not a terminal.
    public func mark(colour: Bool) -> String {
        guard colour else {
            switch self {
            case .archived: return "#"
            case .unverified: return "+"
            case .empty: return "."
            case .failed: return "X"
            case .missing: return "?"
            case .pruned: return "-"
            case .short: return "!"
            }
        }
        switch self {
        case .archived: return "\u{1B}[32m█\u{1B}[0m"
        case .unverified: return "\u{1B}[36m▓\u{1B}[0m"
        case .empty: return "\u{1B}[90m·\u{1B}[0m"
        case .failed: return "\u{1B}[31m✗\u{1B}[0m"
        case .missing: return "\u{1B}[33m░\u{1B}[0m"
        case .pruned: return "\u{1B}[90m-\u{1B}[0m"
        case .short: return "\u{1B}[35m!\u{1B}[0m"
        }
    }
}

extension ArchiveStatus {
    /// The day (in the console's zone) and hour of day an instant falls in.
    static func slot(_ milliseconds: Int64, zone: DisplayZone) -> (day: String, hour: Int) {
        let fields = TimeFormatting.fields(milliseconds, in: zone)
        return (String(format: "%04d-%02d-%02d", fields.year, fields.month, fields.day), fields.hour)
    }

    /// The terminal picture: per camera a line of totals, then one line per day with a mark per hour (00 to 23),
    /// and the archive's totals and oldest/newest hour.
    public func text(colour: Bool) -> String {
        let zone = DisplayZone.named(timezone)
        var lines: [String] = []
        let legend = State.allCases.map { "\($0.mark(colour: colour)) \($0.rawValue)" }.joined(separator: "  ")
        lines.append("legend: \(legend)   (one mark per hour, 00-23, \(timezone))")
        for camera in cameras {
            lines.append("")
            let what = camera.clips ? "\(camera.hours.count) clips: " : ""
            lines.append(
                "\(camera.name) (\(camera.id), \(camera.label)): " + what + Self.totalsText(camera.totals)
                    + ", " + ByteCountFormatter.string(fromByteCount: camera.bytes, countStyle: .file))
            if camera.clips { lines.append("  (a mark per hour that holds clips; blank hours had no event)") }
            lines.append("  hour       " + Self.hourAxis)
            var days: [(String, [State?])] = []
            for hour in camera.hours {
                let slot = Self.slot(hour.start, zone: zone)
                if days.last?.0 != slot.day { days.append((slot.day, Array(repeating: nil, count: 24))) }
                // A cut hour shows its worst part.
                let current = days[days.count - 1].1[slot.hour]
                if current == nil || Self.rank(hour.state) > Self.rank(current!) {
                    days[days.count - 1].1[slot.hour] = hour.state
                }
            }
            for (day, marks) in days {
                lines.append("  \(day) " + marks.map { $0?.mark(colour: colour) ?? " " }.joined())
            }
        }
        lines.append("")
        if let oldest, let newest {
            lines.append(
                "\(cameras.count) streams, " + Self.totalsText(totals) + "; "
                    + ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file) + "; oldest "
                    + TimeFormatting.original(oldest, in: zone) + ", newest "
                    + TimeFormatting.original(newest, in: zone))
        } else {
            lines.append("The archive has no hours yet.")
        }
        if let disconnected {
            lines.append("disconnected (as the console said at the last pass): " + disconnected.joined(separator: ", "))
        }
        lines.append("last pass: " + (lastPass.map { TimeFormatting.original($0, in: zone) } ?? "none yet"))
        return lines.joined(separator: "\n")
    }

    /// The hours of the day above the marks: a number every third hour.
    static let hourAxis: String = stride(from: 0, to: 24, by: 3).map { hour in
        (hour < 10 ? "0\(hour)" : "\(hour)") + " "
    }.joined()

    static func rank(_ state: State) -> Int {
        switch state {
        case .archived: return 0
        case .pruned: return 1
        case .empty: return 2
        case .unverified: return 3
        case .missing: return 4
        case .short: return 5
        case .failed: return 6
        }
    }

    static func totalsText(_ totals: [String: Int]) -> String {
        State.allCases.map { "\(totals[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    }
}
