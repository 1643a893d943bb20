/// How long a file's video must be for the range its name or record claims.
public enum ClaimedDuration {
    /// Seconds a key-frame-cut export may differ from its range.
    public static let tolerance: Double = 2

    /// Seconds of video a range holds in a stream (a timelapse compresses it by its speed).
    public static func seconds(start: Int64, end: Int64, variant: ExportVariant) -> Double {
        Double(end - start) / 1000 / Double(variant.timelapseSpeed ?? 1)
    }

    /// Why a file whose video lasts `duration` is not what `claimant` says (`claimed` seconds); nil when it is.
    public static func mismatch(_ duration: Double?, claimed: Double, claimant: String) -> String? {
        if let duration, matches(duration, claimed: claimed) { return nil }
        let held = duration.map { String(format: "%.1f", $0) } ?? "no"
        return "it holds \(held) seconds of video, \(claimant) claims \(String(format: "%.1f", claimed))"
    }

    /// Whether `duration` covers `claimed` within the tolerance (and is not much longer either).
    public static func matches(_ duration: Double, claimed: Double) -> Bool {
        abs(duration - claimed) <= max(tolerance, claimed * 0.001)
    }
}
