import Foundation

extension ArchiveStatus {
    /// Writes the same JSON object as encoding `load(state:cameras:)` with sorted keys, but row by row from the
    /// state: a year of hours of fifty cameras never sits in memory at once. `sink` gets pieces of about 64 KiB
    /// and may throw to stop (a closed pipe).
    public static func writeJSON(
        state: ArchiveState, cameras wanted: [String] = [], to sink: @escaping (String) throws -> Void
    ) throws {
        let names = Dictionary(
            try state.cameras().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let wanted = Set(wanted.map { $0.lowercased() })
        func name(_ summary: StreamSummary) -> String { names[summary.cameraID] ?? summary.cameraID }
        let streams = try state.streamSummaries().filter { selects(wanted, id: $0.cameraID, name: name($0)) }.sorted {
            ordered((name($0), $0.stream), before: (name($1), $1.stream))
        }
        var out = JSONText(sink: sink)
        var totals: [String: Int] = [:]
        var oldest: Int64?
        var newest: Int64?
        try out.append(#"{"alerts":"#)
        try out.append(try json(openAlerts(state)))
        try out.append(#","bytes":\#(streams.reduce(0) { $0 + $1.bytes }),"cameras":["#)
        for (index, summary) in streams.enumerated() {
            if index > 0 { try out.append(",") }
            let clips = isClips(summary.stream)
            try out.append(#"{"bytes":\#(summary.bytes),"clips":\#(clips),"hours":["#)
            var builder = HourBuilder(clips: clips)
            var counts: [String: Int] = [:]
            var first = true
            try state.forEachSegment(cameraID: summary.cameraID, stream: summary.stream) { record, verified in
                for hour in builder.add(record, verified: verified) {
                    if !first { try out.append(",") }
                    first = false
                    try out.append(hour)
                    counts[hour.state.rawValue, default: 0] += 1
                    oldest = min(oldest ?? hour.start, hour.start)
                    newest = max(newest ?? hour.end, hour.end)
                }
            }
            try out.append(#"],"id":"#)
            try out.append(string: summary.cameraID)
            try out.append(#","label":"#)
            try out.append(string: label(summary.stream))
            try out.append(#","name":"#)
            try out.append(string: name(summary))
            try out.append(#","stream":"#)
            try out.append(string: summary.stream)
            try out.append(#","totals":"#)
            try out.append(counts: counts)
            try out.append("}")
            for (state, count) in counts { totals[state, default: 0] += count }
        }
        try out.append("]")
        if let disconnected = try disconnectedNames(state: state, names: names, wanted: wanted) {
            try out.append(#","disconnected":["#)
            for (index, camera) in disconnected.enumerated() {
                if index > 0 { try out.append(",") }
                try out.append(string: camera)
            }
            try out.append("]")
        }
        if let lastPass = try state.meta(lastPassKey).flatMap({ Int64($0) }) {
            try out.append(#","lastPass":\#(lastPass)"#)
        }
        if let newest { try out.append(#","newest":\#(newest)"#) }
        if let oldest { try out.append(#","oldest":\#(oldest)"#) }
        try out.append(#","timezone":"#)
        try out.append(string: try state.meta("timezone") ?? "UTC")
        try out.append(#","totals":"#)
        try out.append(counts: totals)
        try out.append("}")
        try out.flush()
    }
}

/// Compact JSON text built in a buffer handed on in pieces.
private struct JSONText {
    let sink: (String) throws -> Void
    var buffer = ""

    init(sink: @escaping (String) throws -> Void) {
        self.sink = sink
        buffer.reserveCapacity(1 << 16)
    }

    mutating func append(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; slashes and other characters as they are.
    mutating func append(string: String) throws {
        var text = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        try append(text + "\"")
    }

    /// An object of counts with its keys sorted.
    mutating func append(counts: [String: Int]) throws {
        try append("{")
        for (index, key) in counts.keys.sorted().enumerated() {
            if index > 0 { try append(",") }
            try append(string: key)
            try append(":\(counts[key]!)")
        }
        try append("}")
    }

    /// One hour, its keys sorted and absent values left out.
    mutating func append(_ hour: ArchiveStatus.Hour) throws {
        try append(#"{"end":\#(hour.end)"#)
        if let note = hour.note {
            try append(#","note":"#)
            try append(string: note)
        }
        if let path = hour.path {
            try append(#","path":"#)
            try append(string: path)
        }
        if let sha256 = hour.sha256 {
            try append(#","sha256":"#)
            try append(string: sha256)
        }
        if let size = hour.size { try append(#","size":\#(size)"#) }
        try append(#","start":\#(hour.start),"state":"\#(hour.state.rawValue)"}"#)
    }
}
