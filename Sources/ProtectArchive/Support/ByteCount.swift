import Foundation

/// Sizes as people type them: `500M`, `20G`, `1.5T`, `4096` (binary multiples, an optional `i`/`iB`/`B`).
public enum ByteCount {
    /// The size in bytes, or nil when `text` is not one.
    public static func parse(_ text: String) -> Int64? {
        var body = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where body.hasSuffix(suffix) && body.count > suffix.count {
            body.removeLast(suffix.count)
            break
        }
        if body.hasSuffix("I") { body.removeLast() }
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var multiple = 1.0
        if let last = body.last, let unit = units[last] {
            multiple = unit
            body.removeLast()
        }
        guard let number = Double(body), number >= 0, number.isFinite else { return nil }
        return Int64(number * multiple)
    }
}
