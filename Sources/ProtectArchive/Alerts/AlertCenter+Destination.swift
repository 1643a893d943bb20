extension AlertCenter {
    /// What a completed pass found of its destination: files gone from it, damaged recordings kept short; the
    /// destination is the state's own again (a pass that completes clears `state-mismatch`).
    public func destinationFindings(_ report: SyncReport) {
        destinationFindings(
            refetched: report.goneFromDestination, mismatch: nil, damaged: report.summary.shortPaths)
    }

    /// What a pass found of its destination, for the checks that compare the state with it: files gone and fetched
    /// again (a notice per pass that found some), a state that does not belong to the destination (a condition:
    /// nil clears it), damaged recordings kept short (a notice each, by the file's path).
    public func destinationFindings(refetched: [String], mismatch: String?, damaged: [String]) {
        if !refetched.isEmpty {
            let sample = refetched.prefix(3).joined(separator: ", ") + (refetched.count > 3 ? ", …" : "")
            observe(
                .filesRefetched, active: true,
                detail: "\(refetched.count) files were gone from the destination (fetched again where the console "
                    + "still had them): \(sample).",
                subject: refetched.sorted().first ?? "")
        }
        observe(.stateMismatch, active: mismatch != nil, detail: mismatch ?? "")
        for path in damaged {
            observe(
                .recordingDamaged, active: true,
                detail:
                    "The console ends this recording at the same byte on every attempt; what it sent is kept as "
                    + "\(path).",
                subject: path)
        }
    }
}
