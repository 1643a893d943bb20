extension AlertCenter {
    /// What a pass found of its destination, for the checks that compare the state with it: files gone and fetched
    /// again (a notice per pass that found some), a state that does not belong to the destination (a condition:
    /// nil clears it), damaged recordings kept short (a notice each, by the file's path).
    public func destinationFindings(refetched: [String], mismatch: String?, damaged: [String]) {
        if !refetched.isEmpty {
            let sample = refetched.prefix(3).joined(separator: ", ") + (refetched.count > 3 ? ", …" : "")
            observe(
                .filesRefetched, active: true,
                detail: "\(refetched.count) files were gone from the destination and were fetched again: \(sample).",
                subject: refetched.sorted().first ?? "")
        }
        observe(.stateMismatch, active: mismatch != nil, detail: mismatch ?? "")
        for path in damaged {
            observe(
                .recordingDamaged, active: true,
                detail: "The console ends \(path) at the same byte on every attempt; what plays is kept, marked short.",
                subject: path)
        }
    }
}
