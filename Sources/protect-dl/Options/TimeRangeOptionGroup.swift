import ArgumentParser
import ProtectArchive

/// `--start`/`--end`, or `--last`: the range a download or an event search covers.
struct TimeRangeOptionGroup: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "Start: \"YYYY-MM-DD HH:MM:SS+0000\", ISO 8601 (without an offset, the console's time zone), or relative: now, -24h, 90m ago, today, yesterday, yesterday 18:00."
    )
    var start: String?
    @Option(parsing: .unconditional, help: "End, in the same formats as --start.")
    var end: String?
    @Option(help: "The last DURATION up to now, e.g. 6h or 2d; instead of --start and --end.")
    var last: String?

    func validate() throws {
        if let last {
            guard DurationText.seconds(last) != nil else {
                throw ValidationError("--last must be a duration such as 90m, 6h or 2d.")
            }
            guard start == nil, end == nil else {
                throw ValidationError("--last covers up to now: give --last, or --start and --end.")
            }
        } else {
            guard start != nil else {
                throw ValidationError("Missing expected argument '--start <start>' (or --last).")
            }
            guard end != nil else { throw ValidationError("Missing expected argument '--end <end>'.") }
        }
    }

    /// The range as the jobs read it: `--last 6h` is `--start -6h --end now`, measured from one instant.
    var texts: (start: String, end: String) {
        if let last { return ("-" + last, "now") }
        return (start ?? "", end ?? "")
    }
}
